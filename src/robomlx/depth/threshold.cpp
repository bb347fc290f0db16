// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/threshold.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/threshold_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.threshold";

// The smallest z in [0, 65536] whose float32 distance satisfies `pred` (monotone: false then true).
template <class Pred>
int first_raw(Pred pred) {
  int a = 0, b = 65536;
  while (a < b) {
    const int m = (a + b) / 2;
    if (pred(m)) b = m;
    else a = m + 1;
  }
  return a;
}

// [lo, hi]: the raw values kept (lo > hi: none). Needs depth_units >= 0 (monotone distances).
std::pair<int, int> kept_raw_interval(float depth_units, float min_distance, float max_distance) {
  auto dist = [&](int z) {
    volatile float d = static_cast<float>(z) * depth_units;  // one float32 rounding, as librealsense's
    return static_cast<float>(d);
  };
  const int lo = first_raw([&](int z) { return dist(z) >= min_distance; });
  const int hi = first_raw([&](int z) { return dist(z) > max_distance; }) - 1;
  return {lo, std::min(hi, 65535)};
}
}  // namespace

void ThresholdOptions::validate() const {
  check_range(kTag, "min_distance", min_distance, 0, 16);
  check_range(kTag, "max_distance", max_distance, 0, 16);
}

Frame threshold(const Frame& in, const ThresholdOptions& options, mx::StreamOrDevice so) {
  options.validate();
  if (in.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("input format must be z16, got ") + to_string(in.format));
  }
  check_ndim(kTag, "depth", in.data, 2);
  check_dtype(kTag, "depth", in.data, {mx::uint16});
  // librealsense keeps z when min <= float(z) * units <= max in float32. z -> float(z) * units is
  // monotone in z (uint16 converts exactly; rounding a product by a constant >= 0 keeps order), so
  // the kept raw values are one interval [lo, hi], found here on the host: the block becomes two
  // uint16 ops (one unsigned compare of z - lo, then a select) instead of float intermediates.
  const mx::Stream s = op_stream(so);
  Frame out = in;
  if (!(in.depth_units >= 0) || !std::isfinite(in.depth_units)) {  // not monotone: the float rule itself
    const auto d = mx::multiply(mx::astype(in.data, mx::float32, s), mx::array(in.depth_units, mx::float32), s);
    const auto keep = mx::logical_and(mx::greater_equal(d, mx::array(options.min_distance, mx::float32), s),
                                      mx::less_equal(d, mx::array(options.max_distance, mx::float32), s), s);
    out.data = mx::where(keep, in.data, mx::array(0, mx::uint16), s);
    return out;
  }
  const auto [lo, hi] = kept_raw_interval(in.depth_units, options.min_distance, options.max_distance);
  if (lo > hi) {
    out.data = mx::zeros_like(in.data, s);
    return out;
  }
  if (choose_impl(kTag, s, ImplSet{.cpu = true}) == Impl::cpu) {
    out.data = detail::threshold_interval_cpu(in.data, static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi - lo), s);
    return out;
  }
  const auto shifted = mx::subtract(in.data, mx::array(static_cast<std::uint16_t>(lo), mx::uint16), s);  // wraps
  const auto keep = mx::less_equal(shifted, mx::array(static_cast<std::uint16_t>(hi - lo), mx::uint16), s);
  out.data = mx::where(keep, in.data, mx::array(0, mx::uint16), s);
  return out;
}

namespace {

class ThresholdBlock : public TableBlock {
 public:
  ThresholdBlock() : TableBlock("threshold") {
    table_.add("min_distance", {0, 16, 0.1f, 0.1f, "Min range in meters"});
    table_.add("max_distance", {0, 16, 0.1f, 4.0f, "Max range in meters"});
  }
  void set_option(const std::string& option, float value) override {
    // librealsense's min/max_distance_option coupling (src/option.cpp); range first so a bad
    // value changes nothing.
    const auto& r = table_.ranges();
    if (r.count(option)) check_range(tag(), option, value, r.at(option).min, r.at(option).max);
    if (option == "min_distance" && table_.get("max_distance") < value) table_.force("max_distance", 16);
    if (option == "max_distance" && table_.get("min_distance") > value) table_.force("min_distance", 0);
    table_.set(option, value);
  }
  Frame run(const Frame& in, mx::Stream s) override {
    return threshold(in, {table_.get("min_distance"), table_.get("max_distance")}, s);
  }
};

std::unique_ptr<ProcessingBlock> make_threshold() { return std::make_unique<ThresholdBlock>(); }

}  // namespace

ROBOMLX_DEPTH_BLOCK(threshold, "threshold", make_threshold);

}  // namespace robomlx::depth
