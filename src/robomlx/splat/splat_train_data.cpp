// SPDX-License-Identifier: Apache-2.0
// Training images: decoded once on the host, converted to float RGB, resized by area averaging
// (every source pixel contributes by its overlap with the output pixel: no aliasing when
// shrinking by non-integer factors), then held as [3, H, W] arrays for the whole run.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "robomlx/core/check.h"
#include "robomlx/splat/capture_image.h"
#include "robomlx/splat/splat_error_internal.h"
#include "robomlx/splat/splat_train.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.train";

// HWC float RGB in [0, 1]; grey is replicated, alpha composited over `bg`.
std::vector<float> to_rgb(const Image& img, const std::array<float, 3>& bg) {
  const std::size_t px = static_cast<std::size_t>(img.width) * img.height;
  const int c = img.channels;
  const float peak = img.dtype == mx::uint16 ? 65535.0f : 255.0f;
  auto sample = [&](std::size_t i, int ch) {
    const std::size_t k = i * c + ch;
    return img.dtype == mx::uint16 ? img.data<std::uint16_t>()[k] / peak : img.data<std::uint8_t>()[k] / peak;
  };
  std::vector<float> out(px * 3);
  for (std::size_t i = 0; i < px; ++i) {
    const bool alpha = c == 2 || c == 4;
    const float a = alpha ? sample(i, c - 1) : 1.0f;
    for (int ch = 0; ch < 3; ++ch) {
      const float v = sample(i, c >= 3 ? ch : 0);
      out[i * 3 + ch] = v * a + bg[ch] * (1 - a);
    }
  }
  return out;
}

// For each output index along one axis: the source indices and weights (summing to 1) of the
// source interval it covers.
struct Taps {
  std::vector<int> start;
  std::vector<std::vector<float>> weights;
};
Taps area_taps(int src, int dst) {
  Taps t;
  const double step = static_cast<double>(src) / dst;
  for (int o = 0; o < dst; ++o) {
    const double lo = o * step, hi = (o + 1) * step;
    const int first = static_cast<int>(std::floor(lo));
    std::vector<float> w;
    for (int i = first; i < src && i < hi; ++i) w.push_back(static_cast<float>((std::min(hi, i + 1.0) - std::max(lo, double(i))) / step));
    t.start.push_back(first);
    t.weights.push_back(std::move(w));
  }
  return t;
}

// RGB HWC (w x h) -> planar [3, nh, nw], resized when the sizes differ.
std::vector<float> resize_to_planar(const std::vector<float>& rgb, int w, int h, int nw, int nh) {
  const Taps tx = area_taps(w, nw), ty = area_taps(h, nh);
  std::vector<float> rows(static_cast<std::size_t>(h) * nw * 3);  // horizontal pass, HWC
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < nw; ++x)
      for (int ch = 0; ch < 3; ++ch) {
        float acc = 0;
        for (std::size_t k = 0; k < tx.weights[x].size(); ++k)
          acc += tx.weights[x][k] * rgb[(static_cast<std::size_t>(y) * w + tx.start[x] + k) * 3 + ch];
        rows[(static_cast<std::size_t>(y) * nw + x) * 3 + ch] = acc;
      }
  std::vector<float> out(static_cast<std::size_t>(3) * nh * nw);
  for (int y = 0; y < nh; ++y)
    for (int x = 0; x < nw; ++x)
      for (int ch = 0; ch < 3; ++ch) {
        float acc = 0;
        for (std::size_t k = 0; k < ty.weights[y].size(); ++k)
          acc += ty.weights[y][k] * rows[((ty.start[y] + k) * nw + x) * 3 + ch];
        out[(static_cast<std::size_t>(ch) * nh + y) * nw + x] = acc;
      }
  return out;
}

// graphdeco's -r: factors 1, 2, 4, 8 (rounded sizes); -1: at most 1600 px wide; else a width.
std::pair<int, int> training_size(int w, int h, int resolution) {
  if (resolution == 1 || resolution == 2 || resolution == 4 || resolution == 8)
    return {std::max(1, static_cast<int>(std::lround(w / double(resolution)))),
            std::max(1, static_cast<int>(std::lround(h / double(resolution))))};
  const double scale = resolution == -1 ? (w > 1600 ? w / 1600.0 : 1.0) : w / double(resolution);
  return {std::max(1, static_cast<int>(w / scale)), std::max(1, static_cast<int>(h / scale))};
}

TrainView make_view(const Camera& cam, const TrainOptions& options) {
  const Image img = read_capture_image(cam.image_path);
  if (img.width != cam.width || img.height != cam.height)
    detail::fail_format("splat.images", cam.image_path,
                        "image is " + std::to_string(img.width) + "x" + std::to_string(img.height) + ", but camera '" +
                            cam.name + "' is " + std::to_string(cam.width) + "x" + std::to_string(cam.height));
  const auto [nw, nh] = training_size(cam.width, cam.height, options.resolution);
  Camera scaled = cam;
  const double sx = double(nw) / cam.width, sy = double(nh) / cam.height;
  scaled.width = nw, scaled.height = nh;
  scaled.fx *= sx, scaled.cx *= sx, scaled.fy *= sy, scaled.cy *= sy;
  const auto planar = resize_to_planar(to_rgb(img, options.background), cam.width, cam.height, nw, nh);
  return {scaled, mx::array(planar.data(), {3, nh, nw}, mx::float32)};
}
}  // namespace

TrainData load_train_data(const Capture& capture, const TrainOptions& options) {
  options.validate();
  TrainData d;
  const bool own_split = !capture.test_cameras.empty();
  for (std::size_t i = 0; i < capture.cameras.size(); ++i) {
    const bool held_out = !own_split && options.test_every > 0 && i % static_cast<std::size_t>(options.test_every) == 0;
    (held_out ? d.test : d.train).push_back(make_view(capture.cameras[i], options));
  }
  for (const Camera& c : capture.test_cameras) d.test.push_back(make_view(c, options));
  if (d.train.empty())
    detail::fail_format(kTag, capture.source,
                        "no training views: " + std::to_string(capture.cameras.size()) + " camera(s), test_every " +
                            std::to_string(options.test_every) + " holds out every one of them");
  std::vector<Camera> cams;
  for (const auto& v : d.train) cams.push_back(v.camera);
  d.extent = scene_extent(cams);
  return d;
}

}  // namespace robomlx::splat
