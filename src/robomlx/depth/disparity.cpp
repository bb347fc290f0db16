// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/disparity.h"

#include <cfloat>
#include <cmath>
#include <sstream>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/disparity_twins.h"
#include "robomlx/depth/fused_internal.h"

namespace robomlx::depth {

namespace {
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

namespace detail {

namespace {

// Elementwise with no product followed by a sum, so fused (run_fused) they are exact everywhere.
// {depth, k} -> {k / z, 0 for holes}
std::vector<mx::array> to_disparity(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto& depth = in[0];
  const auto z = mx::astype(depth, mx::float32, s);
  return {mx::where(mx::equal(depth, mx::array(0, mx::uint16), s), mx::array(0.0f), mx::divide(in[1], z, s), s)};
}

// {disparity, k} -> {k / d + 0.5 as uint16, 0 where d is not a normal number}
std::vector<mx::array> to_depth(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto& d = in[0];
  const auto a = mx::abs(d, s);
  // std::isnormal: finite and |d| >= FLT_MIN (NaN fails both comparisons).
  const auto normal = mx::logical_and(mx::greater_equal(a, mx::array(FLT_MIN), s), mx::less(a, mx::array(INFINITY), s), s);
  auto z = mx::add(mx::divide(in[1], d, s), mx::array(0.5f), s);
  // The C float->uint16 cast on x86 goes through int32 and keeps the low 16 bits.
  z = mx::astype(mx::clip(z, mx::array(-2147483648.0f), mx::array(2147483520.0f), s), mx::int32, s);
  return {mx::where(normal, mx::astype(z, mx::uint16, s), mx::array(0, mx::uint16), s)};
}

}  // namespace

mx::array depth_to_disparity_portable(const mx::array& depth, float k, mx::Stream s) {
  return run_fused<to_disparity>({depth, mx::array(k)}, s)[0];
}

mx::array disparity_to_depth_portable(const mx::array& d, float k, mx::Stream s) {
  return run_fused<to_depth>({d, mx::array(k)}, s)[0];
}

}  // namespace detail

Frame depth_to_disparity(const Frame& depth, mx::StreamOrDevice s) {
  constexpr const char* tag = "depth.depth2disparity";
  if (depth.format != FrameFormat::z16) {
    fail_argument(tag, std::string("input format must be z16, got ") + to_string(depth.format));
  }
  check_ndim(tag, "depth", depth.data, 2);
  check_dtype(tag, "depth", depth.data, {mx::uint16});
  const float k = disparity_factor(depth, tag);
  const mx::Stream stream = op_stream(s);
  Frame out = depth;
  out.format = FrameFormat::disparity32;
  auto gpu = [&] { return detail::depth_to_disparity_gpu(depth.data, k, stream); };
  switch (choose_impl(tag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(tag)})) {
    case Impl::cpu: out.data = detail::depth_to_disparity_cpu(depth.data, k, stream); break;
    case Impl::cuda: out.data = gpu(); break;
    case Impl::metal:
      if (auto m = try_metal_twin(tag, gpu)) {
        out.data = *m;
        break;
      }
      [[fallthrough]];
    default: out.data = detail::depth_to_disparity_portable(depth.data, k, stream);
  }
  return out;
}

Frame disparity_to_depth(const Frame& disparity, mx::StreamOrDevice s) {
  constexpr const char* tag = "depth.disparity2depth";
  if (disparity.format != FrameFormat::disparity32) {
    fail_argument(tag, std::string("input format must be disparity32, got ") + to_string(disparity.format));
  }
  check_ndim(tag, "disparity", disparity.data, 2);
  check_dtype(tag, "disparity", disparity.data, {mx::float32});
  const float k = disparity_factor(disparity, tag);
  const mx::Stream stream = op_stream(s);
  Frame out = disparity;
  out.format = FrameFormat::z16;
  auto gpu = [&] { return detail::disparity_to_depth_gpu(disparity.data, k, stream); };
  switch (choose_impl(tag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(tag)})) {
    case Impl::cpu: out.data = detail::disparity_to_depth_cpu(disparity.data, k, stream); break;
    case Impl::cuda: out.data = gpu(); break;
    case Impl::metal:
      if (auto m = try_metal_twin(tag, gpu)) {
        out.data = *m;
        break;
      }
      [[fallthrough]];
    default: out.data = detail::disparity_to_depth_portable(disparity.data, k, stream);
  }
  return out;
}

Frame units_transform(const Frame& depth, mx::StreamOrDevice s) {
  constexpr const char* tag = "depth.units";
  if (depth.format != FrameFormat::z16) {
    fail_argument(tag, std::string("input format must be z16, got ") + to_string(depth.format));
  }
  check_dtype(tag, "depth", depth.data, {mx::uint16});
  Frame out = depth;
  out.format = FrameFormat::distance32f;  // metres, not disparity: blocks expecting z16/disparity32 reject it
  const mx::Stream stream = op_stream(s);
  out.data = mx::multiply(mx::astype(depth.data, mx::float32, stream), mx::array(depth.depth_units), stream);
  out.depth_units = 1.0f;
  out.baseline_mm = 0;
  return out;
}

namespace {

template <Frame (*Fn)(const Frame&, mx::StreamOrDevice)>
class FunctionBlock : public TableBlock {
 public:
  explicit FunctionBlock(const std::string& name) : TableBlock(name) {}
  Frame run(const Frame& in, mx::Stream s) override { return Fn(in, s); }
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
