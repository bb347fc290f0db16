// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/disparity.h"

#include <cfloat>
#include <cmath>
#include <sstream>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/disparity_cpu.h"
#include "robomlx/depth/disparity_cuda.h"

namespace robomlx::depth {

namespace {
Impl pick_impl(const char* tag) {
  ImplSet twins;
  twins.cpu = twins.cuda = true;
  return choose_impl(tag, mx::default_device(), twins);
}

std::string text(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

float disparity_factor(const Frame& frame, const char* tag) {
  if (!(frame.baseline_mm > 0) || !std::isfinite(frame.baseline_mm)) {
    fail_argument(tag, "frame has no stereo baseline (baseline_mm must be > 0, got " +
                           text(frame.baseline_mm) + "); the disparity transform needs a stereo depth stream");
  }
  if (!(frame.depth_units > 0) || !std::isfinite(frame.depth_units)) {
    fail_argument(tag, "depth_units must be finite and > 0, got " + text(frame.depth_units));
  }
  if (!std::isfinite(frame.intrinsics.fx) || !(frame.intrinsics.fx > 0)) {
    fail_argument(tag, "intrinsics.fx must be finite and > 0, got " + text(frame.intrinsics.fx));
  }
  // Same float32 operation order as disparity_info::update_info_from_frame.
  const float baseline_m = frame.baseline_mm * 0.001f;
  return (baseline_m * frame.intrinsics.fx * 32) / frame.depth_units;
}

Frame depth_to_disparity(const Frame& depth) {
  constexpr const char* tag = "depth.depth2disparity";
  if (depth.format != FrameFormat::z16) {
    fail_argument(tag, std::string("input format must be z16, got ") + to_string(depth.format));
  }
  check_ndim(tag, "depth", depth.data, 2);
  check_dtype(tag, "depth", depth.data, {mx::uint16});
  const float k = disparity_factor(depth, tag);
  Frame out = depth;
  out.format = FrameFormat::disparity32;
  const Impl impl = pick_impl(tag);
  if (impl == Impl::cpu || impl == Impl::cuda) {
    out.data = impl == Impl::cpu ? depth_to_disparity_cpu(depth.data, k) : depth_to_disparity_cuda(depth.data, k);
    return out;
  }
  const auto z = mx::astype(depth.data, mx::float32);
  out.data = mx::where(mx::equal(depth.data, mx::array(0, mx::uint16)), mx::array(0.0f),
                       mx::divide(mx::array(k), z));
  return out;
}

Frame disparity_to_depth(const Frame& disparity) {
  constexpr const char* tag = "depth.disparity2depth";
  if (disparity.format != FrameFormat::disparity32) {
    fail_argument(tag, std::string("input format must be disparity32, got ") + to_string(disparity.format));
  }
  check_ndim(tag, "disparity", disparity.data, 2);
  check_dtype(tag, "disparity", disparity.data, {mx::float32});
  const float k = disparity_factor(disparity, tag);
  const Impl impl = pick_impl(tag);
  if (impl == Impl::cpu || impl == Impl::cuda) {
    Frame out = disparity;
    out.format = FrameFormat::z16;
    out.data = impl == Impl::cpu ? disparity_to_depth_cpu(disparity.data, k) : disparity_to_depth_cuda(disparity.data, k);
    return out;
  }
  const auto& d = disparity.data;
  const auto a = mx::abs(d);
  // std::isnormal: finite and |d| >= FLT_MIN (NaN fails both comparisons).
  const auto normal = mx::logical_and(mx::greater_equal(a, mx::array(FLT_MIN)), mx::less(a, mx::array(INFINITY)));
  auto z = mx::add(mx::divide(mx::array(k), d), mx::array(0.5f));
  // The C float->uint16 cast on x86 goes through int32 and keeps the low 16 bits.
  z = mx::astype(mx::clip(z, mx::array(-2147483648.0f), mx::array(2147483520.0f)), mx::int32);
  Frame out = disparity;
  out.format = FrameFormat::z16;
  out.data = mx::where(normal, mx::astype(z, mx::uint16), mx::array(0, mx::uint16));
  return out;
}

Frame units_transform(const Frame& depth) {
  constexpr const char* tag = "depth.units";
  if (depth.format != FrameFormat::z16) {
    fail_argument(tag, std::string("input format must be z16, got ") + to_string(depth.format));
  }
  check_dtype(tag, "depth", depth.data, {mx::uint16});
  Frame out = depth;
  out.format = FrameFormat::distance32f;  // metres, not disparity: blocks expecting z16/disparity32 reject it
  out.data = mx::multiply(mx::astype(depth.data, mx::float32), mx::array(depth.depth_units));
  out.depth_units = 1.0f;
  out.baseline_mm = 0;
  return out;
}

namespace {

template <Frame (*Fn)(const Frame&)>
class FunctionBlock : public TableBlock {
 public:
  explicit FunctionBlock(const std::string& name) : TableBlock(name) {}
  Frame process(const Frame& in) override { return Fn(in); }
};

std::unique_ptr<ProcessingBlock> make_d2d() {
  return std::make_unique<FunctionBlock<depth_to_disparity>>("depth2disparity");
}
std::unique_ptr<ProcessingBlock> make_disp2d() {
  return std::make_unique<FunctionBlock<disparity_to_depth>>("disparity2depth");
}
std::unique_ptr<ProcessingBlock> make_units() { return std::make_unique<FunctionBlock<units_transform>>("units"); }

}  // namespace

ROBOMLX_DEPTH_BLOCK(depth2disparity, "depth2disparity", make_d2d);
ROBOMLX_DEPTH_BLOCK(disparity2depth, "disparity2depth", make_disp2d);
ROBOMLX_DEPTH_BLOCK(units, "units", make_units);

}  // namespace robomlx::depth
