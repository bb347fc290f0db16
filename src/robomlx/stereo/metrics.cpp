// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/metrics.h"

#include <cctype>
#include <cmath>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/ply_detail.h"

namespace robomlx::stereo {

namespace {
constexpr const char* kTag = "stereo.eval";

bool valid(float d) { return std::isfinite(d) && d >= 0.f; }

// Host fill of one row, in place; the shared body of fill_invalid_scanline and the scores.
void fill_row(float* row, int w) {
  std::vector<int> left(w, -1);
  int last = -1;
  for (int x = 0; x < w; ++x) {
    if (valid(row[x])) last = x;
    left[x] = last;
  }
  int next = -1;
  for (int x = w - 1; x >= 0; --x) {
    if (valid(row[x])) {
      next = x;
      continue;
    }
    const int l = left[x];
    if (l < 0 && next < 0) {
      row[x] = -1.f;
    } else if (l < 0) {
      row[x] = row[next];
    } else if (next < 0) {
      row[x] = row[l];
    } else {
      const int dl = x - l, dr = next - x;
      row[x] = dl < dr ? row[l] : dr < dl ? row[next] : std::min(row[l], row[next]);
    }
  }
}

std::vector<float> host_floats(const mx::array& a) {
  auto f = mx::astype(a, mx::float32, mx::Device::cpu);
  f = mx::contiguous(f, false, mx::Device::cpu);
  mx::eval(f);
  const float* p = f.data<float>();
  return std::vector<float>(p, p + f.size());
}
}  // namespace

mx::array fill_invalid_scanline(const mx::array& disparity) {
  check_ndim(kTag, "disparity", disparity, 2);
  const int h = disparity.shape(0), w = disparity.shape(1);
  auto d = host_floats(disparity);
  // Filled pixels read only original valid pixels: fill_row picks values from valid positions.
  for (int y = 0; y < h; ++y) fill_row(d.data() + std::size_t(y) * w, w);
  return mx::array(d.data(), {h, w}, mx::float32);
}

StereoScores evaluate_disparity(const mx::array& disparity, const mx::array& gt, const mx::array& mask,
                                const EvalOptions& options) {
  check_ndim(kTag, "disparity", disparity, 2);
  check_shape(kTag, "gt", gt, {disparity.shape(0), disparity.shape(1)});
  check_shape(kTag, "mask", mask, {disparity.shape(0), disparity.shape(1)});
  const int h = disparity.shape(0), w = disparity.shape(1);
  auto d = host_floats(disparity);
  auto g = host_floats(gt);
  auto m = host_floats(mask);
  auto filled = d;
  for (int y = 0; y < h; ++y) fill_row(filled.data() + std::size_t(y) * w, w);

  StereoScores s;
  std::int64_t n = 0, bad1 = 0, bad2 = 0, bad1f = 0, bad2f = 0, nvalid = 0;
  double err = 0, errf = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (m[i] == 0.f || !std::isfinite(g[i]) || (options.ignore_zero_gt && g[i] <= 0.f)) continue;
    ++n;
    if (valid(d[i])) {
      ++nvalid;
      const double e = std::abs(double(d[i]) - g[i]);
      err += e;
      bad1 += e > 1.0;
      bad2 += e > 2.0;
    } else {
      ++bad1;
      ++bad2;
    }
    if (valid(filled[i])) {
      const double e = std::abs(double(filled[i]) - g[i]);
      errf += e;
      bad1f += e > 1.0;
      bad2f += e > 2.0;
    } else {
      ++bad1f;
      ++bad2f;
    }
  }
  s.evaluated = n;
  if (n == 0) return s;
  const double pct = 100.0 / double(n);
  s.bad1 = bad1 * pct;
  s.bad2 = bad2 * pct;
  s.bad1_filled = bad1f * pct;
  s.bad2_filled = bad2f * pct;
  s.density = nvalid * pct;
  s.avg_error = nvalid ? err / double(nvalid) : 0.0;
  s.avg_error_filled = errf / double(n);
  return s;
}

SceneInfo parse_scene_info(std::string_view text, const std::string& name) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size() && tokens.size() < 3) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) tokens.push_back(text.substr(i, j - i));
    i = j;
  }
  if (tokens.size() != 2) {
    throw FormatError(name, "expected exactly two numbers (ground-truth scale, max disparity), got " +
                                (tokens.size() > 2 ? std::string("more") : std::to_string(tokens.size())));
  }
  SceneInfo info;
  const auto scale = parse_finite_number(tokens[0]);
  if (!scale) throw FormatError(name, "scale must be a finite number, got " + detail::quote(tokens[0]));
  require_in_range(*scale, 1, 255, name, "scale", "the ground truth is an 8-bit PNG of disparity x scale");
  info.scale = *scale;
  const auto max_d = parse_integer(tokens[1], 1, 1024);
  if (!max_d) {
    throw FormatError(name, "max disparity must be an integer in [1, 1024] (the matcher's disparity range), got " +
                                detail::quote(tokens[1]));
  }
  info.max_disparity = int(*max_d);
  return info;
}

SceneInfo read_scene_info(const std::string& path) {
  const std::string text = detail::read_file_bytes(path);
  return parse_scene_info(text, path);
}

}  // namespace robomlx::stereo
