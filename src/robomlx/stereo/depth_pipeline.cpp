// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/depth_pipeline.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/png.h"
#include "robomlx/stereo/calibration.h"
#include "robomlx/stereo/disparity_to_depth.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/disparity_to_points.h"
#include "robomlx/stereo/video.h"

namespace robomlx::stereo {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTag = "stereo.depth";

mx::array as_rgb(const mx::array& im) {
  if (im.ndim() == 2) return mx::repeat(mx::expand_dims(im, -1), 3, 2);
  if (im.shape(2) == 1) return mx::repeat(im, 3, 2);
  if (im.shape(2) == 4) return mx::slice(im, {0, 0, 0}, {im.shape(0), im.shape(1), 3});
  return im;
}

}  // namespace

PipelineSetup prepare_pipeline(const StereoConfig& config, int width, int height) {
  config.validate();
  const SgmOptions& s = config.sgm;
  if (s.min_disparity + s.num_disparities > width)
    fail_argument(kTag, "disparity range [" + std::to_string(s.min_disparity) + ", " +
                            std::to_string(s.min_disparity + s.num_disparities) +
                            ") must fit inside the image width " + std::to_string(width));
  PipelineSetup setup;
  if (!config.rectify.calibration.empty()) {
    const std::string res =
        config.rectify.resolution.empty() ? zed_resolution_for_size(width, height) : config.rectify.resolution;
    setup.rectification = compute_rectification(load_zed_calibration(config.rectify.calibration, res), width, height);
    setup.geometry = setup.rectification->geometry;
  } else if (config.depth.focal_px > 0) {
    RectifiedGeometry g;
    g.focal_px = config.depth.focal_px;
    g.baseline_mm = config.depth.baseline_mm;
    g.cx = (width - 1) / 2.0;
    g.cy = (height - 1) / 2.0;
    setup.geometry = g;
  }
  return setup;
}

PairResult process_pair(const PipelineSetup& setup, const StereoConfig& config, const mx::array& left,
                        const mx::array& right) {
  for (const auto* im : {&left, &right}) {
    if ((im->ndim() != 2 && im->ndim() != 3) || im->dtype() != mx::uint8)
      fail_argument(kTag, "images must be uint8 [H, W] or [H, W, C], got " + shape_string(im->shape()));
  }
  if (left.shape(0) != right.shape(0) || left.shape(1) != right.shape(1))
    fail_argument(kTag, "left and right images must have the same size, got " + std::to_string(left.shape(1)) + "x" +
                            std::to_string(left.shape(0)) + " and " + std::to_string(right.shape(1)) + "x" +
                            std::to_string(right.shape(0)));
  StereoPair pair{as_rgb(left), as_rgb(right)};
  if (setup.rectification) pair = rectify_pair(*setup.rectification, pair.left, pair.right);
  const mx::array grey_l = rgb_to_grey(pair.left), grey_r = rgb_to_grey(pair.right);
  mx::eval(grey_l, grey_r);
  PairResult r;
  const auto t0 = std::chrono::steady_clock::now();
  auto d = compute_disparity(grey_l, grey_r, config.sgm);
  mx::eval(d.disparity, d.confidence);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.left = pair.left;
  r.disparity = d.disparity;
  r.confidence = d.confidence;
  if (setup.geometry) {
    r.depth = disparity_to_depth(r.disparity, setup.geometry->focal_px, setup.geometry->baseline_mm, config.depth.unit);
    mx::eval(*r.depth, r.left);
  }
  return r;
}

std::vector<std::string> write_pair_outputs(const std::string& dir, const PairResult& result,
                                            const PipelineSetup& setup, const StereoConfig& config,
                                            const std::string& suffix) {
  std::vector<std::string> paths;
  auto out = [&](const std::string& stem, const std::string& ext) {
    paths.push_back((fs::path(dir) / (stem + suffix + ext)).string());
    return paths.back();
  };
  const float lo = float(config.sgm.min_disparity);
  const float hi = config.output.disparity_max > 0 ? float(config.output.disparity_max)
                                                   : float(config.sgm.min_disparity + config.sgm.num_disparities);
  write_kitti_disparity(out("disparity", ".png"), result.disparity);
  write_pfm(out("disparity", ".pfm"), result.disparity);
  write_png(out("disparity_color", ".png"), Image::from_array(colorize_disparity(result.disparity, lo, hi)));
  write_png(out("left", ".png"), Image::from_array(result.left));
  const mx::array conf8 = mx::astype(mx::round(mx::clip(result.confidence, mx::array(0.0f), mx::array(1.0f)) * 255.0f), mx::uint8);
  write_png(out("confidence", ".png"), Image::from_array(conf8));
  if (setup.geometry && result.depth) {
    if (config.output.write_depth) {
      const double to_mm = config.depth.unit == DepthUnit::metre ? 1000.0 : 1.0;
      const mx::array depth_mm = *result.depth * float(to_mm);
      write_png(out("depth_mm", ".png"), Image::from_array(depth_to_mm16(depth_mm)));
    }
    if (config.output.write_ply) {
      const PointCloud cloud = make_point_cloud(result.disparity, result.left, *setup.geometry,
                                                config.depth.min_depth_mm, config.depth.max_depth_mm);
      write_ply(out("cloud", ".ply"), cloud);
    }
  }
  return paths;
}

}  // namespace robomlx::stereo
