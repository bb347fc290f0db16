// SPDX-License-Identifier: Apache-2.0
// robomlx.info() and robomlx.io: versions, backends, devices; PLY / PNG / NPY files.
#include <mlx/memory.h>
#include <mlx/version.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrays.h"
#include "robomlx/core/blas_info.h"
#include "robomlx/core/device.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/npy.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/version.h"

namespace robomlx::py {

void init_core(nb::module_& m) {
  m.def("info", [] {
    auto report = probe_backends();
    nb::dict d;
    d["robomlx"] = kVersion;
    d["mlx"] = mx::version();
    nb::list backends;
    backends.append("cpu");
    if (report.cuda_compiled) backends.append("cuda");
    if (report.metal_compiled) backends.append("metal");
    d["backends"] = backends;
    nb::list devices;
    devices.append("cpu");
    for (int i = 0; i < report.gpu_count; ++i) devices.append(describe_device(mx::Device(mx::Device::gpu, i)));
    d["devices"] = devices;
    d["gpu"] = report.summary();
    nb::dict picks;
    auto caps = probe_capabilities();
    for (Workload w : {Workload::general, Workload::depth_filters, Workload::stereo_matching, Workload::sparse_ops,
                       Workload::training})
      picks[to_string(w)] = describe_device(auto_device(w, caps).device);
    d["auto"] = picks;
    d["cpu_blas"] = blas_provider();
    d["zero_copy_numpy"] = zero_copy_available();
    d["memory"] = nb::dict();
    d["memory"]["active"] = mx::get_active_memory();
    d["memory"]["peak"] = mx::get_peak_memory();
    return d;
  }, "Versions, compiled backends, usable devices, what device='auto' picks per workload, the CPU BLAS "
     "(the dict `robomlx info` prints).");
  m.def("zero_copy_available", &zero_copy_available,
        "True when NumPy / buffer-protocol / DLPack host arrays are wrapped without a copy on this build.");
}

void init_io(nb::module_& m) {
  // File readers touch no Python object: other Python threads run while they read and decode.
  const auto unlocked = nb::call_guard<nb::gil_scoped_release>();
  m.def("read_png", [](const std::string& path) { return read_png(path).to_array(); }, nb::arg("path"), unlocked,
        "Reads a PNG into an [H, W, C] array: uint8, or uint16 for 16-bit PNGs (C = 1, 2, 3, 4).\n"
        "Raises FormatError naming the file for a missing, malformed or over-cap file.");
  m.def("write_png", [](const std::string& path, const ArrayArg& image) { write_png(path, Image::from_array(image)); },
        nb::arg("path"), nb::arg("image"),
        "Writes an [H, W] or [H, W, C] uint8 / uint16 array as PNG (written atomically).");
  m.def("read_npy", &read_npy, nb::arg("path"), unlocked, "Reads a .npy file (capped by the elements cap).");
  m.def("write_npy", [](const std::string& path, const ArrayArg& a) { write_npy(path, a); }, nb::arg("path"),
        nb::arg("array"), "Writes an array as .npy (evaluates it).");
  m.def("read_ply", [](const std::string& path) {
    PlyData ply = read_ply(path);
    nb::dict out;  // name -> [N] column in the file's type, in file order (dicts keep order)
    for (const auto& p : ply.properties) out[p.name.c_str()] = ply.column(p.name);
    return out;
  }, nb::arg("path"),
  "Reads the vertex element of a PLY (ASCII or binary) as {property: [N] array in its file type}.\n"
  "Values are returned as the file holds them (NaN included). Raises FormatError naming the line or field.");
  m.def("write_ply", [](const std::string& path, nb::dict columns, bool ascii) {
    PlyData ply;
    for (auto [k, v] : columns) ply.set(nb::cast<std::string>(k), nb::cast<ArrayArg>(v).a);
    write_ply(path, ply, ascii ? PlyFormat::Ascii : PlyFormat::BinaryLittleEndian);
  }, nb::arg("path"), nb::arg("columns"), nb::arg("ascii") = false,
  "Writes {property: [N] array} as the vertex element of a PLY (binary little-endian unless ascii=True).\n"
  "dtypes: int8..uint32, float32, float64; bool becomes uchar.");
}

}  // namespace robomlx::py
