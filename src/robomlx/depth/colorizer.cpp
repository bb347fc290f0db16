// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/colorizer.h"

#include <array>
#include <cmath>
#include <map>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/colorizer_twins.h"

namespace robomlx::depth {

namespace {

constexpr const char* kTag = "depth.colorizer";
using Rgb = std::array<float, 3>;

std::vector<Rgb> control_points(int scheme) {
  switch (scheme) {
    case 0: return {{0, 0, 255}, {0, 255, 255}, {255, 255, 0}, {255, 0, 0}, {50, 0, 0}};
    case 1: return {{30, 77, 203}, {25, 60, 192}, {45, 117, 220}, {204, 108, 191}, {196, 57, 178}, {198, 33, 24}};
    case 2: return {{255, 255, 255}, {0, 0, 0}};
    case 3: return {{0, 0, 0}, {255, 255, 255}};
    case 4: return {{0, 0, 204}, {204, 230, 255}, {255, 255, 153}, {170, 255, 128}, {0, 153, 0}, {230, 242, 255}};
    case 5: return {{230, 247, 255}, {0, 92, 230}, {0, 179, 179}, {0, 51, 153}, {0, 5, 15}};
    case 6: return {{255, 255, 230}, {255, 204, 0}, {255, 136, 77}, {255, 51, 0}, {128, 0, 0}, {10, 0, 0}};
    case 7: return {{255, 255, 255}, {0, 0, 0}};
    case 8: {
      std::vector<Rgb> p;
      for (int i = 0; i < 50; ++i) p.push_back(i % 2 ? Rgb{0, 0, 0} : Rgb{255, 255, 255});
      return p;
    }
    default: return {{255, 0, 0}, {255, 255, 0}, {0, 255, 0}, {0, 255, 255}, {0, 0, 255}, {255, 0, 255}, {255, 0, 0}};
  }
}

int cache_steps(int scheme) { return scheme == 7 ? 6 : 4000; }

// The float cache of librealsense's color_map::initialize, same float32 operations.
std::vector<Rgb> build_cache(int scheme) {
  const auto values = control_points(scheme);
  std::map<float, Rgb> map;
  for (std::size_t i = 0; i < values.size(); ++i) map[float(i) / float(values.size() - 1)] = values[i];
  const int steps = cache_steps(scheme);
  const float lo = map.begin()->first, hi = map.rbegin()->first;
  std::vector<Rgb> cache(steps + 1);
  for (int i = 0; i <= steps; ++i) {
    const float t = float(i) / float(steps);
    const float x = lo + t * (hi - lo);
    if (map.count(x)) {
      cache[i] = map.at(x);
    } else if (x < lo) {
      cache[i] = map.begin()->second;
    } else if (x > hi) {
      cache[i] = map.rbegin()->second;
    } else {
      auto upper = map.upper_bound(x);
      auto lower = std::prev(map.lower_bound(x));
      const float u = (x - lower->first) / (upper->first - lower->first);
      for (int c = 0; c < 3; ++c) cache[i][c] = upper->second[c] * u + lower->second[c] * (1 - u);
    }
  }
  return cache;
}

}  // namespace

mx::array colormap_table(int scheme) {
  check_range(kTag, "color_scheme", scheme, 0, 9);
  // Leaked on purpose: arrays must not be destroyed after MLX's allocator at exit.
  static auto* tables = new std::map<int, mx::array>;
  auto it = tables->find(scheme);
  if (it == tables->end()) {
    std::vector<std::uint8_t> bytes;
    for (const auto& c : build_cache(scheme)) {
      for (float v : c) bytes.push_back(static_cast<std::uint8_t>(v));
    }
    it = tables->emplace(scheme, mx::array(bytes.data(), {int(bytes.size() / 3), 3}, mx::uint8)).first;
  }
  return it->second;
}

namespace {

// [N + 2] uint32: the cache as little-endian R, G, B, 0 bytes, plus black at N + 1. Built once per
// scheme (a table, not per-pixel work).
const mx::array& packed_table(int scheme) {
  // Leaked on purpose: arrays must not be destroyed after MLX's allocator at exit.
  static auto* tables = new std::map<int, mx::array>;
  auto it = tables->find(scheme);
  if (it == tables->end()) {
    std::vector<std::uint32_t> packed;
    for (const auto& c : build_cache(scheme)) {
      packed.push_back(std::uint32_t(static_cast<std::uint8_t>(c[0])) | std::uint32_t(static_cast<std::uint8_t>(c[1])) << 8 |
                       std::uint32_t(static_cast<std::uint8_t>(c[2])) << 16);
    }
    packed.push_back(0);
    it = tables->emplace(scheme, mx::array(packed.data(), {int(packed.size())}, mx::uint32)).first;
  }
  return it->second;
}

}  // namespace

void ColorizerOptions::validate() const {
  check_range(kTag, "color_scheme", color_scheme, 0, 9);
  check_range(kTag, "min_distance", min_distance, 0, 16);
  check_range(kTag, "max_distance", max_distance, 0, 16);
}

namespace detail {

mx::array colorize_portable(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi,
                            mx::Stream s) {
  auto f32 = [](float v) { return mx::array(v, mx::float32); };
  const bool disparity = data.dtype() == mx::float32;
  const auto v = mx::astype(data, mx::float32, s);
  const auto valid = mx::not_equal(v, f32(0), s);  // NaN counts as valid, as `if (data)` does
  mx::array f{0};
  if (equalize) {
    // (int)v, kept inside the 65536-bin table.
    const auto clean = mx::where(mx::isnan(v, s), f32(0), v, s);
    const auto bin = mx::astype(mx::clip(clean, f32(0), f32(65535), s), mx::int32, s);
    auto hist = mx::scatter_add(mx::zeros({65536}, mx::int32, s), mx::reshape(bin, {-1}, s),
                                mx::ones({int(bin.size()), 1}, mx::int32, s), 0, s);
    // Cumulative from bin 1; bin 0 keeps its own count.
    const auto h0 = mx::slice(hist, {0}, {1}, s);
    auto cum = mx::subtract(mx::cumsum(hist, 0, false, true, s), h0, s);
    cum = mx::concatenate({h0, mx::slice(cum, {1}, {65536}, s)}, 0, s);
    const auto pixels = mx::astype(mx::slice(cum, {65535}, {65536}, s), mx::float32, s);
    f = mx::divide(mx::astype(mx::take(cum, bin, s), mx::float32, s), pixels, s);
  } else if (disparity) {
    f = mx::divide(mx::subtract(v, f32(lo), s), f32(hi - lo), s);
  } else if (lo >= hi) {
    f = mx::zeros(v.shape(), mx::float32, s);
  } else {
    f = mx::divide(mx::subtract(mx::multiply(v, f32(units), s), f32(lo), s), f32(hi - lo), s);
  }
  // std::max(0, std::min(f, 1)) including its NaN -> 0 behaviour, then (int)(t * N).
  f = mx::where(mx::greater(f, f32(1), s), f32(1), f, s);
  f = mx::where(mx::greater(f, f32(0), s), f, f32(0), s);
  // One gather from a packed 0x00BBGGRR table whose extra last entry is black for invalid pixels,
  // then a bit-cast to bytes: far fewer passes over the image than three gathers and a select.
  const int steps = cache_steps(scheme);
  auto index = mx::astype(mx::multiply(f, f32(float(steps)), s), mx::int32, s);
  index = mx::where(valid, index, mx::array(steps + 1, mx::int32), s);
  const auto rgba = mx::view(mx::take(packed_table(scheme), index, s), mx::uint8, s);
  const int h = data.shape(0), w = data.shape(1);
  return mx::slice(mx::reshape(rgba, {h, w, 4}, s), {0, 0, 0}, {h, w, 3}, s);
}

}  // namespace detail

Frame colorize(const Frame& depth, const ColorizerOptions& o, mx::StreamOrDevice s) {
  o.validate();
  const bool disparity = depth.format == FrameFormat::disparity32;
  if (!disparity && depth.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("input format must be z16 or disparity32, got ") + to_string(depth.format));
  }
  check_ndim(kTag, "depth", depth.data, 2);
  check_dtype(kTag, "depth", depth.data, {disparity ? mx::float32 : mx::uint16});
  // Fixed-range bounds in the input's own units (disparity: librealsense's hard-coded factor).
  float lo = o.min_distance, hi = o.max_distance;
  if (disparity) {
    const float k = 681678.625f;
    const float mn = o.min_distance < 1e-6f ? 1e-6f : o.min_distance;
    hi = (k / mn) * depth.depth_units + .5f;
    lo = (k / o.max_distance) * depth.depth_units + .5f;
  }
  const mx::Stream stream = op_stream(s);
  Frame out = depth;
  out.format = FrameFormat::rgb8;
  const float units = depth.depth_units;
  auto gpu = [&] { return detail::colorize_gpu(depth.data, o.color_scheme, o.equalize, units, lo, hi, stream); };
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(kTag)})) {
    case Impl::cpu: out.data = detail::colorize_cpu(depth.data, o.color_scheme, o.equalize, units, lo, hi, stream); break;
    case Impl::cuda: out.data = gpu(); break;
    case Impl::metal:
      if (auto m = try_metal_twin(kTag, gpu)) {
        out.data = *m;
        break;
      }
      [[fallthrough]];
    default: out.data = detail::colorize_portable(depth.data, o.color_scheme, o.equalize, units, lo, hi, stream);
  }
  return out;
}

namespace {

class ColorizerBlock : public TableBlock {
 public:
  ColorizerBlock() : TableBlock("colorizer") {
    table_.add("color_scheme", {0, 9, 1, 0, "Color map"});
    table_.add("histogram_equalization_enabled", {0, 1, 1, 1, "Perform histogram equalization"});
    table_.add("min_distance", {0, 16, 0.1f, 0, "Min range in meters"});
    table_.add("max_distance", {0, 16, 0.1f, 6, "Max range in meters"});
    table_.add("visual_preset", {0, 3, 1, 0, "Preset depth colorization"});
  }
  void set_option(const std::string& option, float value) override {
    const auto& r = table_.ranges();
    if (r.count(option)) check_range(tag(), option, value, r.at(option).min, r.at(option).max);
    if (option == "min_distance" || option == "max_distance") {
      // librealsense couples min/max like the threshold filter and turns equalization off.
      if (option == "min_distance" && table_.get("max_distance") < value) table_.force("max_distance", 16);
      if (option == "max_distance" && table_.get("min_distance") > value) table_.force("min_distance", 0);
      table_.set(option, value);
      table_.force("histogram_equalization_enabled", 0);
      return;
    }
    table_.set(option, value);
    if (option == "visual_preset") apply_preset(int(value));
  }
  Frame run(const Frame& in, mx::Stream s) override {
    ColorizerOptions o;
    o.color_scheme = int(table_.get("color_scheme"));
    o.equalize = table_.get("histogram_equalization_enabled") != 0;
    o.min_distance = table_.get("min_distance");
    o.max_distance = table_.get("max_distance");
    return colorize(in, o, s);
  }

 private:
  void apply_preset(int preset) {
    // Dynamic, Fixed, Near, Far as colorizer.cpp's preset hook (Dynamic keeps min/max).
    static const struct { bool eq; int scheme; float min, max; } presets[] = {
        {true, 0, -1, -1}, {false, 0, 0, 6}, {false, 1, 0.3f, 1.5f}, {false, 0, 1, 16}};
    const auto& p = presets[preset];
    table_.force("histogram_equalization_enabled", p.eq ? 1 : 0);
    table_.force("color_scheme", float(p.scheme));
    if (p.min >= 0) {
      table_.force("min_distance", p.min);
      table_.force("max_distance", p.max);
    }
  }
};

std::unique_ptr<ProcessingBlock> make_colorizer() { return std::make_unique<ColorizerBlock>(); }

}  // namespace

ROBOMLX_DEPTH_BLOCK(colorizer, "colorizer", make_colorizer);

}  // namespace robomlx::depth
