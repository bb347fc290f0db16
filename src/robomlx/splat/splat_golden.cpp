// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/splat_golden.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/core/io/npy.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.golden";
using json = nlohmann::json;

double number(const json& j, const char* name, const std::string& file) {
  if (!j.contains(name) || !j[name].is_number()) throw FormatError(kTag, file, std::string("field '") + name + "' must be a number");
  return j[name].get<double>();
}

// w[c, y, x] = ((7x + 13y + 29c) mod 17) / 16, [3, H, W].
mx::array loss_weights(int width, int height) {
  std::vector<float> w(static_cast<size_t>(3) * width * height);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        w[(static_cast<size_t>(c) * height + y) * width + x] = static_cast<float>((7 * x + 13 * y + 29 * c) % 17) / 16.0f;
  return mx::array(w.data(), {3, height, width});
}

double cosine(const mx::array& a, const mx::array& b) {
  // float64 exists on the CPU only: every op of the comparison runs there, whatever the default device.
  const mx::Device cpu = mx::Device::cpu;
  auto x = mx::astype(mx::flatten(a, cpu), mx::float64, cpu), y = mx::astype(mx::flatten(b, cpu), mx::float64, cpu);
  auto dot = mx::sum(mx::multiply(x, y, cpu), false, cpu).item<double>();
  auto nx = std::sqrt(mx::sum(mx::square(x, cpu), false, cpu).item<double>());
  auto ny = std::sqrt(mx::sum(mx::square(y, cpu), false, cpu).item<double>());
  if (nx == 0 && ny == 0) return 1.0;
  return nx > 0 && ny > 0 ? dot / (nx * ny) : 0.0;
}
}  // namespace

RasterSettings read_golden_settings(const std::string& case_dir) {
  const std::string file = case_dir + "/case.json";
  const json j = read_json_file(file);
  RasterSettings r;
  auto& c = r.camera;
  c.width = static_cast<int>(number(j, "image_width", file));
  c.height = static_cast<int>(number(j, "image_height", file));
  c.fx = number(j, "fx", file);
  c.fy = number(j, "fy", file);
  c.cx = number(j, "cx", file);
  c.cy = number(j, "cy", file);
  c.scale_modifier = static_cast<float>(number(j, "scale_modifier", file));
  c.sh_degree = static_cast<int>(number(j, "sh_degree", file));
  c.antialiased = j.value("antialiasing", false);
  const auto& m = j.at("world_to_camera_row_major");
  if (!m.is_array() || m.size() < 3) throw FormatError(kTag, file, "world_to_camera_row_major must be a 4x4 array");
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 3; ++k) c.rotation[i * 3 + k] = m.at(i).at(k).get<double>();
    c.translation[i] = m.at(i).at(3).get<double>();
  }
  const auto& bg = j.at("background");
  for (int i = 0; i < 3; ++i) r.background[i] = bg.at(i).get<float>();
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    throw FormatError(kTag, file, e.what());
  }
  return r;
}

SplatGoldenMetrics measure_splat_golden_case(const std::string& case_dir, mx::StreamOrDevice s) {
  const RasterSettings settings = read_golden_settings(case_dir);
  const std::string file = case_dir + "/case.json";
  const json j = read_json_file(file);
  const std::string scene = (std::filesystem::path(case_dir) / j.value("scene_inputs", std::string())).string();
  auto load = [&](const std::string& dir, const char* name) { return read_npy(dir + "/" + name + ".npy"); };
  std::vector<mx::array> primals = {load(scene, "means3d"), load(scene, "scales"), load(scene, "rotations"),
                                    load(scene, "opacities"), load(scene, "shs")};
  const int n = primals[0].shape(0);
  primals.push_back(mx::zeros({n, 2}, mx::float32));
  const auto w = loss_weights(settings.camera.width, settings.camera.height);
  mx::array image = mx::array(0.0f), radii = mx::array(0);
  std::int64_t rendered = 0;
  auto loss = [&](const std::vector<mx::array>& p) {
    RasterInputs in{p[0], p[1], p[2], p[3], p[4], p[5]};
    auto out = rasterize(in, settings, s);
    image = out.color;
    radii = out.radii;
    rendered = out.num_rendered;
    return std::vector<mx::array>{mx::sum(mx::multiply(out.color, w, s), false, s)};
  };
  std::vector<int> argnums = {0, 1, 2, 3, 4, 5};
  auto [value, grads] = mx::value_and_grad(loss, argnums)(primals);
  mx::eval(value);
  mx::eval(grads);
  mx::eval(image, radii);

  SplatGoldenMetrics m;
  m.num_rendered = rendered;
  m.gaussians = n;
  const auto gold_image = load(case_dir, "image");
  const double mse = mx::mean(mx::square(mx::subtract(image, gold_image))).item<float>();
  m.psnr_db = mse > 0 ? 10.0 * std::log10(1.0 / mse) : 200.0;
  const auto gold_radii = load(case_dir, "radii");
  const auto diff = mx::abs(mx::subtract(mx::astype(radii, mx::int32), mx::astype(gold_radii, mx::int32)));
  m.radii_mismatches = mx::sum(mx::greater(diff, mx::array(0))).item<int>();
  m.radii_far = mx::sum(mx::greater(diff, mx::array(1))).item<int>();
  m.cos_means3d = cosine(grads[0], load(case_dir, "grad_means3d"));
  m.cos_scales = cosine(grads[1], load(case_dir, "grad_scales"));
  m.cos_rotations = cosine(grads[2], load(case_dir, "grad_rotations"));
  m.cos_opacities = cosine(grads[3], load(case_dir, "grad_opacities"));
  m.cos_shs = cosine(grads[4], load(case_dir, "grad_shs"));
  const auto scale = screen_gradient_scale(settings);
  const auto g2 = mx::multiply(grads[5], mx::array({scale[0], scale[1]}, {1, 2}));
  const auto gold2 = load(case_dir, "grad_means2d");
  m.cos_means2d = cosine(g2, mx::slice(gold2, {0, 0}, {n, 2}));
  return m;
}

GoldenCaseResult run_splat_golden_case(const std::string& case_dir, mx::StreamOrDevice s) {
  GoldenCaseResult r;
  r.name = std::filesystem::path(case_dir).filename().string();
  const auto m = measure_splat_golden_case(case_dir, s);
  const long long n = m.gaussians;
  const double min_cos = std::min({m.cos_means3d, m.cos_scales, m.cos_rotations, m.cos_opacities, m.cos_shs, m.cos_means2d});
  r.passed = m.psnr_db >= 50.0 && m.radii_far == 0 && m.radii_mismatches <= std::max(3LL, n / 1000) && min_cos >= 0.999;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "PSNR %.1f dB, radii %lld differ (%lld by > 1 px), pairs %lld, grad cos: means3d %.6f scales %.6f "
                "rotations %.6f opacities %.6f shs %.6f means2d %.6f",
                m.psnr_db, m.radii_mismatches, m.radii_far, static_cast<long long>(m.num_rendered), m.cos_means3d,
                m.cos_scales, m.cos_rotations, m.cos_opacities, m.cos_shs, m.cos_means2d);
  r.detail = buf;
  return r;
}

}  // namespace robomlx::splat
