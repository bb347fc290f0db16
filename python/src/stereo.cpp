// SPDX-License-Identifier: Apache-2.0
// robomlx.stereo: ZED calibration files, rectification, semi-global matching, depth and points.
#include <nanobind/stl/array.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include "arrays.h"
#include "robomlx/stereo/calibration.h"
#include "robomlx/stereo/disparity_to_depth.h"
#include "robomlx/stereo/disparity_to_points.h"
#include "robomlx/stereo/rectify.h"
#include "robomlx/stereo/sgm.h"
#include "robomlx/stereo/video.h"

namespace robomlx::py {

namespace {
using namespace robomlx::stereo;
constexpr auto kStereo = Workload::stereo_matching;
}  // namespace

void init_stereo(nb::module_& m) {
  nb::class_<CameraIntrinsics>(m, "CameraIntrinsics", "One eye: fx fy cx cy (pixels), distortion k1 k2 p1 p2 k3.")
      .def_ro("fx", &CameraIntrinsics::fx)
      .def_ro("fy", &CameraIntrinsics::fy)
      .def_ro("cx", &CameraIntrinsics::cx)
      .def_ro("cy", &CameraIntrinsics::cy)
      .def_ro("distortion", &CameraIntrinsics::distortion);
  nb::class_<StereoCalibration>(m, "StereoCalibration", "One resolution of a ZED calibration (SN*.conf).")
      .def_ro("resolution", &StereoCalibration::resolution)
      .def_ro("left", &StereoCalibration::left)
      .def_ro("right", &StereoCalibration::right)
      .def_ro("translation_mm", &StereoCalibration::translation_mm, "right eye (Baseline, TY, TZ), mm")
      .def_ro("rotation", &StereoCalibration::rotation, "right eye Rodrigues vector (RX, CV, RZ), radians");
  m.def("load_calibration", &load_zed_calibration, nb::arg("path"), nb::arg("resolution"),
        "Reads a ZED SN*.conf for a resolution tag (2K, FHD, HD, VGA, ...). FormatError names the line and key; "
        "ValueError lists the tags present when `resolution` is absent.");
  m.def("parse_calibration", [](const std::string& text, const std::string& resolution) {
    return parse_zed_calibration(text, resolution);
  }, nb::arg("text"), nb::arg("resolution"), "The same from the file's text.");

  nb::class_<RectifiedGeometry>(m, "RectifiedGeometry", "Rectified pinhole: focal (px), principal point, baseline (mm).")
      .def_ro("focal_px", &RectifiedGeometry::focal_px)
      .def_ro("cx", &RectifiedGeometry::cx)
      .def_ro("cy", &RectifiedGeometry::cy)
      .def_ro("baseline_mm", &RectifiedGeometry::baseline_mm)
      .def("q", &RectifiedGeometry::q, "Reprojection matrix (row major 4x4), Z = f*B/d > 0.");
  nb::class_<Rectification>(m, "Rectification", "Maps and geometry of one resolution (compute_rectification).")
      .def_ro("width", &Rectification::width)
      .def_ro("height", &Rectification::height)
      .def_ro("left_map", &Rectification::left_map, "[H, W, 2] float32 source (x, y) per rectified pixel")
      .def_ro("right_map", &Rectification::right_map)
      .def_ro("geometry", &Rectification::geometry);
  m.def("compute_rectification", [](const StereoCalibration& c, int width, int height, const DeviceArg& device) {
    return compute_rectification(c, width, height, to_stream(device, kStereo));
  }, nb::arg("calibration"), nb::arg("width"), nb::arg("height"), nb::kw_only(), nb::arg("device") = nb::none(),
  "Rectification maps for single-eye images of width x height (OpenCV stereoRectify, CALIB_ZERO_DISPARITY). "
  "Raises UnsupportedFeatureError in builds without OpenCV.");
  m.def("rectify", [](const Rectification& r, const ArrayArg& left, const ArrayArg& right, const DeviceArg& device) {
    auto p = rectify_pair(r, left, right, to_stream(device, kStereo));
    return nb::make_tuple(p.left, p.right);
  }, nb::arg("rectification"), nb::arg("left"), nb::arg("right"), nb::kw_only(), nb::arg("device") = nb::none(),
  "Rectifies both eyes ([H, W] or [H, W, C] uint8 / float32): bilinear, outside = 0. Returns (left, right).");
  m.def("split_side_by_side", [](const ArrayArg& frame, const DeviceArg& device) {
    auto p = split_side_by_side(frame, to_stream(device, kStereo));
    return nb::make_tuple(p.left, p.right);
  }, nb::arg("frame"), nb::kw_only(), nb::arg("device") = nb::none(), "[H, 2W(, C)] ZED frame -> (left, right).");

  m.def("sgm", [](const ArrayArg& left, const ArrayArg& right, int max_disparity, int min_disparity,
                  const std::string& cost, float p1, float p2, int paths, bool subpixel, int lr_max_diff,
                  float uniqueness_ratio, int median_size, int speckle_window, int speckle_range, int pyramid_factor,
                  int refinement_radius, const DeviceArg& device) {
    SgmOptions o;
    o.min_disparity = min_disparity;
    o.num_disparities = max_disparity - min_disparity;
    o.cost = cost;
    o.p1 = p1;
    o.p2 = p2;
    o.paths = paths;
    o.subpixel = subpixel;
    o.lr_max_diff = lr_max_diff;
    o.uniqueness_ratio = uniqueness_ratio;
    o.median_size = median_size;
    o.speckle_window = speckle_window;
    o.speckle_range = speckle_range;
    o.pyramid_factor = pyramid_factor;
    o.refinement_radius = refinement_radius;
    auto r = compute_disparity(left, right, o, to_stream(device, kStereo));
    return nb::make_tuple(r.disparity, r.confidence);
  }, nb::arg("left"), nb::arg("right"), nb::kw_only(), nb::arg("max_disparity") = 128, nb::arg("min_disparity") = 0,
  nb::arg("cost") = "census", nb::arg("p1") = 10.0f, nb::arg("p2") = 120.0f, nb::arg("paths") = 8,
  nb::arg("subpixel") = true, nb::arg("lr_max_diff") = 1, nb::arg("uniqueness_ratio") = 10.0f,
  nb::arg("median_size") = 3, nb::arg("speckle_window") = 0, nb::arg("speckle_range") = 2,
  nb::arg("pyramid_factor") = 1, nb::arg("refinement_radius") = 0, nb::arg("device") = nb::none(),
  "Semi-global matching on rectified grey images [H, W] (uint8 or float32).\n"
  "Disparities min_disparity <= d < max_disparity; cost 'census' or 'ad_census'; paths 4 or 8.\n"
  "Returns (disparity [H, W] float32 pixels, left view, invalid = -1; confidence [H, W] float32 in [0, 1]).\n"
  "Fast preset: paths=4, cost='ad_census', pyramid_factor=2, refinement_radius=1.");
  m.def("rgb_to_grey", [](const ArrayArg& rgb, const DeviceArg& device) { return rgb_to_grey(rgb, to_stream(device, kStereo)); },
        nb::arg("rgb"), nb::kw_only(), nb::arg("device") = nb::none(),
        "[H, W, 3] uint8 RGB -> [H, W] uint8 grey (the matcher's input; [H, W] passes through).");
  m.def("disparity_to_depth", [](const ArrayArg& d, double focal_px, double baseline_mm, const std::string& unit,
                                 const DeviceArg& device) {
    return disparity_to_depth(d, focal_px, baseline_mm, parse_depth_unit(unit), to_stream(device, kStereo));
  }, nb::arg("disparity"), nb::arg("focal_px"), nb::arg("baseline_mm"), nb::kw_only(), nb::arg("unit") = "mm",
  nb::arg("device") = nb::none(),
  "depth = focal_px * baseline / disparity, [H, W] float32 in 'mm' or 'm'; disparity <= 0 -> 0.");
  m.def("disparity_to_points", [](const ArrayArg& d, const RectifiedGeometry& g, const DeviceArg& device) {
    return disparity_to_points(d, g, to_stream(device, kStereo));
  }, nb::arg("disparity"), nb::arg("geometry"), nb::kw_only(), nb::arg("device") = nb::none(),
  "[H, W, 3] float32 points (mm, left rectified camera: X right, Y down, Z forward).");
}

}  // namespace robomlx::py
