// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/decimation.h"

#include <utility>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/decimation_twins.h"
#include "robomlx/depth/fused_internal.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.decimation";
}

void DecimationOptions::validate() const { check_range(kTag, "filter_magnitude", magnitude, 1, 8); }

namespace {

// Sorting networks (verified with the 0-1 principle over all 2^n binary inputs): 5 comparators
// for 4 inputs, 25 for 9.
const std::vector<std::pair<int, int>>& network(int n) {
  static const std::vector<std::pair<int, int>> four = {{0, 1}, {2, 3}, {0, 2}, {1, 3}, {1, 2}};
  static const std::vector<std::pair<int, int>> nine = {
      {0, 3}, {1, 7}, {2, 5}, {4, 8}, {0, 7}, {2, 4}, {3, 8}, {5, 6}, {0, 2}, {1, 3}, {4, 5}, {7, 8}, {1, 4},
      {3, 6}, {5, 7}, {0, 1}, {2, 4}, {3, 5}, {6, 8}, {2, 3}, {4, 5}, {6, 7}, {1, 2}, {3, 4}, {5, 6}};
  return n == 4 ? four : nine;
}

}  // namespace

namespace detail {

namespace {

// {depth} -> {lower median of the non-zero samples of every S x S block} for S = 2, 3: one strided
// [hr, wr] plane per sample of the block. v - 1 in uint16 maps 0 (invalid) to 65535, above every
// valid value, so a sorting network over whole planes leaves the n non-zero samples in front; the
// lower median is plane (n - 1) / 2. Integer ops only: fused (run_fused) it is exact everywhere.
template <int S>
std::vector<mx::array> block_median(const std::vector<mx::array>& in, mx::StreamOrDevice st) {
  const auto& depth = in[0];
  const int hr = depth.shape(0) / S, wr = depth.shape(1) / S;
  const auto one = mx::array(1, mx::uint16);
  std::vector<mx::array> planes;
  auto n = mx::zeros({hr, wr}, mx::uint8, st);
  for (int dy = 0; dy < S; ++dy) {
    for (int dx = 0; dx < S; ++dx) {
      auto p = mx::slice(depth, {dy, dx}, {dy + (hr - 1) * S + 1, dx + (wr - 1) * S + 1}, {S, S}, st);
      n = mx::add(n, mx::astype(mx::not_equal(p, mx::array(0, mx::uint16), st), mx::uint8, st), st);
      planes.push_back(mx::subtract(p, one, st));
    }
  }
  for (auto [i, j] : network(S * S)) {
    auto lo = mx::minimum(planes[i], planes[j], st);
    planes[j] = mx::maximum(planes[i], planes[j], st);
    planes[i] = lo;
  }
  // rank (n - 1) / 2 for n = 1..S*S; n = 0 gives 65535 + 1 = 0 through plane 0.
  auto out = planes[0];
  for (int r = 1; r <= (S * S - 1) / 2; ++r) {
    out = mx::where(mx::greater_equal(n, mx::array(std::uint8_t(2 * r + 1), mx::uint8), st), planes[r], out, st);
  }
  return {mx::add(out, one, st)};
}

}  // namespace

mx::array decimate_z16_portable(const mx::array& depth, int s, mx::Stream st) {
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  mx::array out{0};
  if (s == 2 || s == 3) {
    out = (s == 2 ? run_fused<block_median<2>>({depth}, st) : run_fused<block_median<3>>({depth}, st))[0];
  } else {
    auto blocks = mx::slice(depth, {0, 0}, {hr * s, wr * s}, st);
    blocks = mx::reshape(mx::transpose(mx::reshape(blocks, {hr, s, wr, s}, st), {0, 2, 1, 3}, st), {hr, wr, s * s}, st);
    const auto n = mx::sum(mx::astype(mx::not_equal(blocks, mx::array(0, mx::uint16), st), mx::int32, st), -1, false, st);
    const auto sum = mx::sum(mx::astype(blocks, mx::int32, st), -1, false, st);  // <= 64 * 65535 fits int32
    out = mx::astype(mx::floor_divide(sum, mx::maximum(n, mx::array(1, mx::int32), st), st), mx::uint16, st);
  }
  if (hp != hr || wp != wr) out = mx::pad(out, {{0, hp - hr}, {0, wp - wr}}, mx::array(0), "constant", st);
  return out;
}

}  // namespace detail

mx::array decimate_z16(const mx::array& depth, int s, mx::StreamOrDevice so) {
  check_range(kTag, "filter_magnitude", s, 1, 8);
  check_ndim(kTag, "depth", depth, 2);
  check_dtype(kTag, "depth", depth, {mx::uint16});
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  if (hr == 0 || wr == 0) {
    fail_argument(kTag, "input " + shape_string(depth.shape()) + " is smaller than the scale " + std::to_string(s));
  }
  const mx::Stream stream = op_stream(so);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(kTag)})) {
    case Impl::cpu: return detail::decimate_z16_cpu(depth, s, stream);
    case Impl::cuda: return detail::decimate_z16_gpu(depth, s, stream);
    case Impl::metal:
      if (auto r = try_metal_twin(kTag, [&] { return detail::decimate_z16_gpu(depth, s, stream); })) return *r;
      [[fallthrough]];
    default: return detail::decimate_z16_portable(depth, s, stream);
  }
}

mx::array decimate_video(const mx::array& image, int s, mx::StreamOrDevice so) {
  check_range(kTag, "filter_magnitude", s, 1, 8);
  check_dtype(kTag, "image", image, {mx::uint8});
  if (image.ndim() != 2 && image.ndim() != 3) {
    fail_argument(kTag, "image must be [H, W] or [H, W, C] uint8, got " + shape_string(image.shape()));
  }
  const int hr = image.shape(0) / s, wr = image.shape(1) / s;
  if (hr == 0 || wr == 0) {
    fail_argument(kTag, "input " + shape_string(image.shape()) + " is smaller than the scale " + std::to_string(s));
  }
  const mx::Stream st = op_stream(so);
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  const int c = image.ndim() == 3 ? image.shape(2) : 1;
  auto blocks = mx::slice(mx::reshape(image, {image.shape(0), image.shape(1), c}, st), {0, 0, 0}, {hr * s, wr * s, c}, st);
  blocks = mx::reshape(blocks, {hr, s, wr, s, c}, st);
  const auto sum = mx::sum(mx::astype(blocks, mx::int32, st), {1, 3}, false, st);  // [hr, wr, c]
  auto out = mx::astype(mx::floor_divide(sum, mx::array(s * s, mx::int32), st), mx::uint8, st);
  if (hp != hr || wp != wr) out = mx::pad(out, {{0, hp - hr}, {0, wp - wr}, {0, 0}}, mx::array(0), "constant", st);
  return image.ndim() == 3 ? out : mx::reshape(out, {hp, wp}, st);
}

Frame decimate(const Frame& in, const DecimationOptions& options, mx::StreamOrDevice so) {
  options.validate();
  const bool video = in.format == FrameFormat::rgb8 || in.format == FrameFormat::bgr8 ||
                     in.format == FrameFormat::rgba8 || in.format == FrameFormat::bgra8 || in.format == FrameFormat::y8;
  if (in.format != FrameFormat::z16 && !video) {
    fail_argument(kTag, std::string("input format must be z16, rgb8, bgr8, rgba8, bgra8 or y8, got ") + to_string(in.format));
  }
  Frame out = in;
  const int s = options.magnitude;
  const mx::Stream stream = op_stream(so);
  out.data = video ? decimate_video(in.data, s, stream) : decimate_z16(in.data, s, stream);
  out.intrinsics.width = out.data.shape(1);
  out.intrinsics.height = out.data.shape(0);
  out.intrinsics.fx = in.intrinsics.fx / s;
  out.intrinsics.fy = in.intrinsics.fy / s;
  out.intrinsics.ppx = in.intrinsics.ppx / s;
  out.intrinsics.ppy = in.intrinsics.ppy / s;
  return out;
}

namespace {

class DecimationBlock : public TableBlock {
 public:
  DecimationBlock() : TableBlock("decimation") {
    table_.add("filter_magnitude", {1, 8, 1, 2, "Decimation scale"});
  }
  Frame run(const Frame& in, mx::Stream s) override { return decimate(in, {int(table_.get("filter_magnitude"))}, s); }
};

std::unique_ptr<ProcessingBlock> make_decimation() { return std::make_unique<DecimationBlock>(); }

}  // namespace

ROBOMLX_DEPTH_BLOCK(decimation, "decimation", make_decimation);

}  // namespace robomlx::depth
