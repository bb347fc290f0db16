// SPDX-License-Identifier: Apache-2.0
// robomlx.depth: librealsense's processing blocks by their librealsense option names, frames
// with their stream metadata, the standard chain and .bag recordings. The Python classes
// (SpatialFilter, DecimationFilter, ...) are thin subclasses of Block in python/robomlx/depth.py.
#include <chrono>
#include <memory>

#include <mlx/transforms.h>

#include <nanobind/stl/array.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include "arrays.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/depth_to_points.h"
#include "robomlx/depth/pipeline.h"
#include "robomlx/depth/recording.h"

// A Pipeline owns its blocks (vector of unique_ptr): std::is_copy_constructible cannot see that.
template <>
struct nanobind::detail::is_copy_constructible<robomlx::depth::Pipeline> : std::false_type {};

namespace robomlx::py {

namespace {

using namespace robomlx::depth;

FrameFormat parse_format(const std::string& s) {
  for (FrameFormat f : {FrameFormat::z16, FrameFormat::disparity32, FrameFormat::distance32f, FrameFormat::rgb8,
                        FrameFormat::bgr8, FrameFormat::rgba8, FrameFormat::bgra8, FrameFormat::y8,
                        FrameFormat::xyz32f, FrameFormat::uv32f})
    if (s == to_string(f)) return f;
  throw std::invalid_argument("[depth.frame] format must be z16, disparity32, distance32f, rgb8, bgr8, rgba8, bgra8, "
                              "y8, xyz32f or uv32f, got '" + s + "'");
}

// A bare array becomes a frame: Z16 for uint16, DISPARITY32 for float32 (librealsense's two
// inputs of the filters), with the array's size as its intrinsics' size.
Frame frame_of(const mx::array& a) {
  if (a.ndim() < 2)
    throw std::invalid_argument("[depth.frame] image must be [H, W] or [H, W, C], got " + std::to_string(a.ndim()) +
                                " dimensions");
  Frame f;
  f.data = a;
  f.format = a.dtype() == mx::float32 ? FrameFormat::disparity32 : FrameFormat::z16;
  f.intrinsics.width = a.shape(1);
  f.intrinsics.height = a.shape(0);
  return f;
}

// process(): a Frame in gives a Frame out; an array in gives an array out.
nb::object run_block(nb::handle in, const DeviceArg& device, const std::function<Frame(const Frame&, mx::StreamOrDevice)>& f) {
  if (nb::isinstance<Frame>(in)) return nb::cast(f(nb::cast<const Frame&>(in), to_stream(device, Workload::depth_filters)));
  const mx::array a = nb::cast<ArrayArg>(in).a;
  return nb::cast(f(frame_of(a), to_stream(device, Workload::depth_filters)).data);
}

nb::dict option_dict(const std::map<std::string, OptionRange>& ranges) {
  nb::dict d;
  for (const auto& [name, r] : ranges)
  {
    nb::dict o;
    o["min"] = r.min;
    o["max"] = r.max;
    o["step"] = r.step;
    o["default"] = r.def;
    o["description"] = r.description;
    d[name.c_str()] = o;
  }
  return d;
}

}  // namespace

void init_depth(nb::module_& m) {
  nb::class_<Intrinsics>(m, "Intrinsics", "Pinhole intrinsics with distortion, as rs2_intrinsics (pixels).")
      .def(nb::init<>())
      .def_rw("width", &Intrinsics::width)
      .def_rw("height", &Intrinsics::height)
      .def_rw("ppx", &Intrinsics::ppx)
      .def_rw("ppy", &Intrinsics::ppy)
      .def_rw("fx", &Intrinsics::fx)
      .def_rw("fy", &Intrinsics::fy)
      .def_prop_rw("model", [](const Intrinsics& i) { return std::string(to_string(i.model)); },
                   [](Intrinsics& i, const std::string& s) { i.model = parse_distortion(s); })
      .def_rw("coeffs", &Intrinsics::coeffs)
      .def("__repr__", [](const Intrinsics& i) {
        return "Intrinsics(" + std::to_string(i.width) + "x" + std::to_string(i.height) + ", fx=" +
               std::to_string(i.fx) + ", fy=" + std::to_string(i.fy) + ", ppx=" + std::to_string(i.ppx) +
               ", ppy=" + std::to_string(i.ppy) + ", model=" + to_string(i.model) + ")";
      });

  nb::class_<Frame>(m, "Frame",
                    "One frame: pixels (mlx array) plus librealsense stream metadata.\n"
                    "Layouts: z16 [H, W] uint16 (depth_units metres per unit, 0 = invalid); disparity32 [H, W] "
                    "float32 (1/32 px); distance32f [H, W] float32 metres; rgb8/bgr8 [H, W, 3] uint8; "
                    "rgba8/bgra8 [H, W, 4]; y8 [H, W]; xyz32f [H, W, 3] metres; uv32f [H, W, 2].")
      .def("__init__", [](Frame* f, const ArrayArg& data, const std::string& format,
                          const std::optional<Intrinsics>& intrinsics, float depth_units, float baseline_mm,
                          long long frame_number, double timestamp_ms) {
        new (f) Frame(frame_of(data));
        f->format = parse_format(format);
        if (intrinsics) f->intrinsics = *intrinsics;
        f->depth_units = depth_units;
        f->baseline_mm = baseline_mm;
        f->frame_number = frame_number;
        f->timestamp_ms = timestamp_ms;
      }, nb::arg("data"), nb::arg("format") = "z16", nb::arg("intrinsics") = nb::none(),
      nb::arg("depth_units") = 0.001f, nb::arg("baseline_mm") = 0.0f, nb::arg("frame_number") = 0,
      nb::arg("timestamp_ms") = 0.0)
      .def_rw("data", &Frame::data)
      .def_prop_rw("format", [](const Frame& f) { return std::string(to_string(f.format)); },
                   [](Frame& f, const std::string& s) { f.format = parse_format(s); })
      .def_rw("intrinsics", &Frame::intrinsics)
      .def_rw("depth_units", &Frame::depth_units)
      .def_rw("baseline_mm", &Frame::baseline_mm)
      .def_rw("frame_number", &Frame::frame_number)
      .def_rw("timestamp_ms", &Frame::timestamp_ms)
      .def_prop_ro("width", &Frame::width)
      .def_prop_ro("height", &Frame::height)
      .def("__array__", [](const Frame& f, nb::args, nb::kwargs) {
        return nb::module_::import_("numpy").attr("asarray")(nb::cast(f.data));
      });

  nb::class_<ProcessingBlock>(m, "_Block",
                              "A librealsense processing block by chain name (decimation, threshold, "
                              "depth2disparity, disparity2depth, units, spatial, temporal, hole_filling, "
                              "colorizer), with librealsense's option names, ranges and defaults.")
      .def_prop_ro("name", &ProcessingBlock::name)
      .def("process", [](ProcessingBlock& b, nb::handle frame, const DeviceArg& device) {
        return run_block(frame, device, [&](const Frame& f, mx::StreamOrDevice s) { return b.process(f, s); });
      }, nb::arg("frame"), nb::kw_only(), nb::arg("device") = nb::none(),
      "Runs the block (lazy). A Frame gives a Frame; an array gives an array (uint16 = Z16, float32 = "
      "DISPARITY32, with no camera metadata: blocks that need a baseline or focal length want a Frame).")
      .def("options", [](const ProcessingBlock& b) { return option_dict(b.options()); },
           "{option: {min, max, step, default, description}}")
      .def("get_option", &ProcessingBlock::get_option, nb::arg("option"))
      .def("set_option", &ProcessingBlock::set_option, nb::arg("option"), nb::arg("value"),
           "Range-checked: ValueError names the block, the option and the range.")
      .def("reset", &ProcessingBlock::reset, "Clears per-stream history (temporal).");
  m.def("_make_block", [](const std::string& name) { return make_block(name); }, nb::arg("name"));
  m.def("block_names", &block_names);

  nb::class_<Pipeline>(m, "Pipeline", "A chain of blocks, e.g. the standard librealsense post-processing chain "
                                      "decimation, depth2disparity, spatial, temporal, disparity2depth, hole_filling.")
      .def("__init__", [](Pipeline* p, const std::string& chain, const std::vector<std::string>& settings) {
        ChainSpec spec = parse_chain(chain);
        for (const auto& s : settings) apply_setting(spec, s);
        new (p) Pipeline(spec);
      }, nb::arg("chain") = "standard", nb::arg("settings") = std::vector<std::string>{},
      "chain: 'standard' or comma-separated block names; settings: 'block.option=value' strings.")
      .def("process", [](Pipeline& p, nb::handle frame, const DeviceArg& device) {
        return run_block(frame, device, [&](const Frame& f, mx::StreamOrDevice s) { return p.process(f, s); });
      }, nb::arg("frame"), nb::kw_only(), nb::arg("device") = nb::none())
      .def("reset", &Pipeline::reset)
      .def("__len__", &Pipeline::size)
      .def("options", [](const Pipeline& p) {
        nb::list out;
        for (const auto& [name, opts] : p.effective_options()) out.append(nb::make_tuple(name, opts));
        return out;
      }, "[(block, {option: value})] in effect.");

  // The C++ side of python/bench/overhead.py: the same loop as the Python one (process, then
  // eval), timed in C++ in the same process, so the difference is the binding's cost alone.
  m.def("_time_in_cpp", [](Pipeline& p, const Frame& f, int iters, const DeviceArg& device) {
    const auto s = to_stream(device, Workload::depth_filters);
    std::vector<double> seconds;
    nb::gil_scoped_release unlocked;
    for (int i = 0; i < iters; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      mx::eval(p.process(f, s).data);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return seconds;
  }, nb::arg("pipeline"), nb::arg("frame"), nb::arg("iters"), nb::arg("device") = nb::none());

  nb::class_<Pointcloud>(m, "Pointcloud", "librealsense rs2::pointcloud: vertices and texture coordinates.")
      .def(nb::init<>())
      .def("calculate", [](const Pointcloud& pc, const Frame& depth, const DeviceArg& device) {
        auto r = pc.calculate(depth, to_stream(device, Workload::depth_filters));
        return nb::make_tuple(r.vertices, r.texcoords);
      }, nb::arg("depth"), nb::kw_only(), nb::arg("device") = nb::none(),
      "(vertices [H, W, 3] float32 metres, texcoords [H, W, 2] float32) of a Z16 frame (lazy).")
      .def("map_to", [](Pointcloud& pc, const Intrinsics& texture) { pc.map_to(texture, Extrinsics{}); },
           nb::arg("texture_intrinsics"))
      .def("options", [](const Pointcloud& pc) { return option_dict(pc.options()); })
      .def("set_option", &Pointcloud::set_option, nb::arg("option"), nb::arg("value"));

  nb::class_<Recording>(m, "Recording", "A whole librealsense .bag recording, frames decoded in memory.")
      .def_ro("source", &Recording::source)
      .def_ro("depth", &Recording::depth, "Z16 frames, recording order")
      .def_ro("color", &Recording::color, "colour frames (empty without a colour stream)")
      .def_ro("depth_intrinsics", &Recording::depth_intrinsics)
      .def_ro("color_intrinsics", &Recording::color_intrinsics)
      .def_ro("depth_units", &Recording::depth_units)
      .def_ro("baseline_mm", &Recording::baseline_mm)
      .def_ro("device_info", &Recording::device_info)
      .def_ro("file_version", &Recording::file_version)
      .def("color_for", [](const Recording& r, const Frame& depth) -> std::optional<Frame> {
        const Frame* c = r.color_for(depth);
        return c ? std::optional<Frame>(*c) : std::nullopt;
      }, nb::arg("depth"), "The colour frame nearest in time to `depth`, or None.");
  m.def("read_bag", &read_recording, nb::arg("path"), nb::call_guard<nb::gil_scoped_release>(),
        "Reads a librealsense .bag (ROS1 bag v2, lz4 / bz2 chunks). Raises FormatError naming the byte offset "
        "and the field.");
}

}  // namespace robomlx::py
