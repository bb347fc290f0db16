// SPDX-License-Identifier: Apache-2.0
// robomlx._robomlx: the extension module behind the `robomlx` package (python/robomlx/*.py).
// Errors keep the library's one-line messages; their Python classes:
//   std::invalid_argument        -> ValueError (nanobind's own translation)
//   robomlx::FormatError         -> robomlx.FormatError (an OSError and a ValueError: a file
//                                   that is missing, unreadable or malformed)
//   UnsupportedBackendError      -> robomlx.UnsupportedBackendError (RuntimeError)
//   UnsupportedFeatureError      -> robomlx.UnsupportedFeatureError (RuntimeError)
#include <nanobind/nanobind.h>

#include "arrays.h"
#include "robomlx/core/error.h"

namespace nb = nanobind;

NB_MODULE(_robomlx, m) {
  // MLX's types (array, Device, Stream) must be registered before any signature uses them.
  nb::module_::import_("mlx.core");
  m.doc() = "robomlx: robotics perception on MLX (C++ bindings; import the `robomlx` package)";

  nb::exception<robomlx::UnsupportedBackendError>(m, "UnsupportedBackendError", PyExc_RuntimeError);
  nb::exception<robomlx::UnsupportedFeatureError>(m, "UnsupportedFeatureError", PyExc_RuntimeError);
  // Both bases: `except OSError` catches a file problem, `except ValueError` a bad value in it.
  nb::object bases = nb::make_tuple(nb::handle(PyExc_OSError), nb::handle(PyExc_ValueError));
  PyObject* format_error = PyErr_NewException("robomlx.FormatError", bases.ptr(), nullptr);
  if (!format_error) throw nb::python_error();
  m.attr("FormatError") = nb::steal(format_error);
  nb::register_exception_translator(
      [](const std::exception_ptr& p, void* type) {
        try {
          std::rethrow_exception(p);
        } catch (const robomlx::FormatError& e) {
          PyErr_SetString(static_cast<PyObject*>(type), e.what());
        }
      },
      format_error);

  auto core = m.def_submodule("core", "Versions, devices, backends");
  robomlx::py::init_core(core);
  auto io = m.def_submodule("io", "PLY, PNG, NPY files");
  robomlx::py::init_io(io);
  auto depth = m.def_submodule("depth", "librealsense processing blocks and .bag recordings");
  robomlx::py::init_depth(depth);
  auto stereo = m.def_submodule("stereo", "ZED calibration, rectification, semi-global matching");
  robomlx::py::init_stereo(stereo);
  auto sparse = m.def_submodule("sparse", "MVMR, VVOR, segment reductions, neighbours, point convolution");
  robomlx::py::init_sparse(sparse);
  auto splat = m.def_submodule("splat", "3D Gaussian splatting: PLY scenes and the differentiable rasterizer");
  robomlx::py::init_splat(splat);
}
