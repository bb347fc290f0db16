// SPDX-License-Identifier: Apache-2.0
// robomlx.splat: 3DGS PLY scenes and graphdeco's differentiable rasterizer. rasterize() builds
// MLX ops (projection, binning, the blend with its custom VJP), so mx.grad / mx.value_and_grad
// of a loss of its image differentiate in means3d, scales, rotations, opacities, shs and
// screen_offsets from Python.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "arrays.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/gaussian_scene.h"
#include "robomlx/splat/rasterize.h"
#include "robomlx/splat/splat_camera.h"

namespace robomlx::py {

namespace {
using namespace robomlx::splat;
constexpr auto kSplat = Workload::training;
}  // namespace

void init_splat(nb::module_& m) {
  nb::class_<GaussianScene>(m, "GaussianScene",
                            "Raw (pre-activation) 3DGS parameters, float32: means [N, 3], log_scales [N, 3], "
                            "rotations [N, 4] (w first, not normalised), opacity_logits [N, 1], sh [N, M, 3] "
                            "with M = (sh_degree + 1)^2, coefficient-major, RGB innermost.")
      .def(nb::init<>())
      .def_rw("means", &GaussianScene::means)
      .def_rw("log_scales", &GaussianScene::log_scales)
      .def_rw("rotations", &GaussianScene::rotations)
      .def_rw("opacity_logits", &GaussianScene::opacity_logits)
      .def_rw("sh", &GaussianScene::sh)
      .def_rw("sh_degree", &GaussianScene::sh_degree)
      .def("__len__", &GaussianScene::size)
      .def("validate", &GaussianScene::validate)
      .def("activated", [](const GaussianScene& g, const DeviceArg& device) {
        auto s = to_stream(device, kSplat);
        return nb::make_tuple(g.means, activated_scales(g, s), normalized_rotations(g, s), activated_opacities(g, s),
                              g.sh);
      }, nb::kw_only(), nb::arg("device") = nb::none(),
      "(means3d, scales = exp(log_scales), unit rotations, opacities = sigmoid(logits), shs): rasterize's inputs.");
  m.def("read_ply", &read_gaussian_ply, nb::arg("path"), nb::call_guard<nb::gil_scoped_release>(),
        "Reads a 3DGS PLY (SH degree 0-3). FormatError names the file, row and property.");
  m.def("write_ply", [](const std::string& path, const GaussianScene& g) { write_gaussian_ply(path, g); },
        nb::arg("path"), nb::arg("scene"), "Writes the standard 3DGS PLY layout (atomically).");

  nb::class_<Camera>(m, "Camera", "Posed pinhole (COLMAP / OpenCV: x right, y down, z forward; x_cam = R x + t).")
      .def("__init__", [](Camera* c, int width, int height, double fx, double fy, std::optional<double> cx,
                          std::optional<double> cy, const Mat3& rotation, const Vec3& translation) {
        new (c) Camera();
        c->width = width;
        c->height = height;
        c->fx = fx;
        c->fy = fy;
        c->cx = cx.value_or(width / 2.0);
        c->cy = cy.value_or(height / 2.0);
        c->rotation = rotation;
        c->translation = translation;
      }, nb::arg("width"), nb::arg("height"), nb::arg("fx"), nb::arg("fy"), nb::arg("cx") = nb::none(),
      nb::arg("cy") = nb::none(), nb::arg("rotation") = Mat3{1, 0, 0, 0, 1, 0, 0, 0, 1},
      nb::arg("translation") = Vec3{0, 0, 0},
      "rotation: world-to-camera R, row major (9 numbers); translation t; cx, cy default to the image centre.")
      .def_rw("width", &Camera::width)
      .def_rw("height", &Camera::height)
      .def_rw("fx", &Camera::fx)
      .def_rw("fy", &Camera::fy)
      .def_rw("cx", &Camera::cx)
      .def_rw("cy", &Camera::cy)
      .def_rw("rotation", &Camera::rotation)
      .def_rw("translation", &Camera::translation);

  m.def("rasterize", [](const ArrayArg& means3d, const ArrayArg& scales, const ArrayArg& rotations,
                        const ArrayArg& opacities, const ArrayArg& shs, const Camera& camera, int sh_degree,
                        std::array<float, 3> background, const std::optional<ArrayArg>& screen_offsets,
                        bool antialiased, const DeviceArg& device) {
    RasterSettings settings = RasterSettings::from_camera(camera, sh_degree, background);
    settings.camera.antialiased = antialiased;
    RasterInputs in{means3d, scales, rotations, opacities, shs, std::nullopt};
    if (screen_offsets) in.screen_offsets = screen_offsets->a;
    auto r = rasterize(in, settings, to_stream(device, kSplat));
    return nb::make_tuple(r.color, r.inv_depth, r.alpha, r.radii);
  }, nb::arg("means3d"), nb::arg("scales"), nb::arg("rotations"), nb::arg("opacities"), nb::arg("shs"),
  nb::arg("camera"), nb::kw_only(), nb::arg("sh_degree") = 0, nb::arg("background") = std::array<float, 3>{0, 0, 0},
  nb::arg("screen_offsets") = nb::none(), nb::arg("antialiased") = false, nb::arg("device") = nb::none(),
  "graphdeco's rasterizer. Activated inputs: means3d [N, 3], scales [N, 3], unit rotations [N, 4] (w first),\n"
  "opacities [N, 1], shs [N, M, 3]. Returns (color [3, H, W] float32 with background, not clamped;\n"
  "inv_depth [1, H, W]; alpha [1, H, W]; radii [N] int32, 0 = culled). Differentiable through mx.grad.");
}

}  // namespace robomlx::py
