// SPDX-License-Identifier: Apache-2.0
// A synthetic capture for the trainer's tests: a random scene of Gaussians rendered by rasterize()
// from cameras on a ring around it, written as PNGs + transforms.json (nerfstudio layout, OpenGL
// camera-to-world matrices) + an initial point cloud (the Gaussians' centres, perturbed, with
// their colours) named by ply_file_path.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <mlx/mlx.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/image.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/core/io/png.h"
#include "robomlx/splat/rasterize.h"

namespace robomlx::test {

namespace mx = mlx::core;

struct SyntheticCaptureOptions {
  int gaussians = 200;
  int views = 8;
  int width = 64, height = 48;
  double focal = 60;          // pixels
  double ring_radius = 4;     // cameras on a ring at this distance, 1 unit above the scene's plane
  float point_noise = 0.15f;  // std of the perturbation of the initial points
  std::uint64_t seed = 1;
};

/// The scene the capture shows: positions in a unit ball, scales 0.04..0.15, colours and opacity
/// (0.5..0.9) random, SH degree 0.
inline splat::GaussianScene synthetic_scene(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> means, scales, rots, opac, sh;
  for (int i = 0; i < n; ++i) {
    float p[3] = {g(rng), g(rng), g(rng)};
    const float r = std::cbrt(u(rng)) / std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2] + 1e-12f);
    for (float c : p) means.push_back(c * r);
    for (int k = 0; k < 3; ++k) scales.push_back(std::log(0.04f + 0.11f * u(rng)));
    for (int k = 0; k < 4; ++k) rots.push_back(g(rng));
    const float o = 0.5f + 0.4f * u(rng);
    opac.push_back(std::log(o / (1 - o)));
    for (int k = 0; k < 3; ++k) sh.push_back((u(rng) - 0.5f) / 0.28209479f);
  }
  splat::GaussianScene s;
  s.means = mx::array(means.data(), {n, 3});
  s.log_scales = mx::array(scales.data(), {n, 3});
  s.rotations = mx::array(rots.data(), {n, 4});
  s.opacity_logits = mx::array(opac.data(), {n, 1});
  s.sh = mx::array(sh.data(), {n, 1, 3});
  return s;
}

/// Camera i of the ring, looking at the origin (x right, y down, z forward).
inline splat::Camera ring_camera(const SyntheticCaptureOptions& o, int i) {
  const double a = 2 * M_PI * i / o.views;
  const splat::Vec3 c{o.ring_radius * std::cos(a), o.ring_radius * std::sin(a), 1.0};
  const double fl = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
  const splat::Vec3 f{-c[0] / fl, -c[1] / fl, -c[2] / fl};
  splat::Vec3 x{f[1] * 1 - f[2] * 0, f[2] * 0 - f[0] * 1, 0};  // f x (0, 0, 1)
  const double xl = std::sqrt(x[0] * x[0] + x[1] * x[1]);
  x = {x[0] / xl, x[1] / xl, 0};
  const splat::Vec3 y{f[1] * x[2] - f[2] * x[1], f[2] * x[0] - f[0] * x[2], f[0] * x[1] - f[1] * x[0]};  // f x x
  splat::Camera cam;
  cam.name = "view_" + std::to_string(i);
  cam.width = o.width, cam.height = o.height;
  cam.fx = cam.fy = o.focal;
  cam.cx = o.width / 2.0, cam.cy = o.height / 2.0;
  splat::set_camera_to_world(cam, {x[0], y[0], f[0], x[1], y[1], f[1], x[2], y[2], f[2]}, c);
  return cam;
}

/// Writes the capture into `dir` (created); returns the scene it shows.
inline splat::GaussianScene write_synthetic_capture(const std::string& dir, const SyntheticCaptureOptions& o = {}) {
  namespace fs = std::filesystem;
  fs::create_directories(fs::path(dir) / "images");
  const splat::GaussianScene scene = synthetic_scene(o.gaussians, o.seed);
  nlohmann::json frames = nlohmann::json::array();
  for (int i = 0; i < o.views; ++i) {
    const splat::Camera cam = ring_camera(o, i);
    const auto rs = splat::RasterSettings::from_camera(cam, 0);
    const auto out = splat::rasterize({scene.means, splat::activated_scales(scene), splat::normalized_rotations(scene),
                                       splat::activated_opacities(scene), scene.sh, std::nullopt},
                                      rs, mx::Device::cpu);
    auto hwc = mx::astype(mx::round(mx::multiply(mx::clip(mx::transpose(out.color, {1, 2, 0}), mx::array(0.0f),
                                                                 mx::array(1.0f)),
                                                         mx::array(255.0f))),
                          mx::uint8);
    write_png((fs::path(dir) / "images" / (cam.name + ".png")).string(), Image::from_array(hwc));
    // OpenGL camera-to-world: our camera axes as columns with y and z negated, the centre last.
    const auto c = cam.center();
    nlohmann::json m = nlohmann::json::array();
    for (int r = 0; r < 3; ++r)
      m.push_back({cam.rotation[0 * 3 + r], -cam.rotation[1 * 3 + r], -cam.rotation[2 * 3 + r], c[r]});
    m.push_back({0, 0, 0, 1});
    frames.push_back({{"file_path", "images/" + cam.name + ".png"}, {"transform_matrix", m}});
  }
  // Initial points: the true centres, perturbed, with the Gaussians' colours (SH 0 -> RGB).
  const int n = o.gaussians;
  auto noise = mx::random::normal({n, 3}, mx::float32, 0.0f, o.point_noise, mx::random::key(o.seed + 7));
  PlyPoints pts;
  pts.positions = mx::add(scene.means, noise);
  pts.colors = mx::astype(
      mx::clip(mx::round(mx::multiply(mx::add(mx::multiply(mx::reshape(scene.sh, {n, 3}), mx::array(0.28209479f)),
                                              mx::array(0.5f)),
                                      mx::array(255.0f))),
               mx::array(0.0f), mx::array(255.0f)),
      mx::uint8);
  write_ply_points((fs::path(dir) / "points.ply").string(), pts);
  nlohmann::json t = {{"fl_x", o.focal}, {"fl_y", o.focal}, {"cx", o.width / 2.0}, {"cy", o.height / 2.0},
                      {"w", o.width},    {"h", o.height},   {"ply_file_path", "points.ply"}, {"frames", frames}};
  write_file_atomically((fs::path(dir) / "transforms.json").string(), t.dump(1));
  return scene;
}

}  // namespace robomlx::test
