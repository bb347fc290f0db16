// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/decimation.h"

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/depth/block_options.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.decimation";
}

void DecimationOptions::validate() const { check_range(kTag, "filter_magnitude", magnitude, 1, 8); }

mx::array decimate_z16(const mx::array& depth, int s) {
  check_ndim(kTag, "depth", depth, 2);
  check_dtype(kTag, "depth", depth, {mx::uint16});
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  if (hr == 0 || wr == 0) {
    fail_argument(kTag, "input " + shape_string(depth.shape()) + " is smaller than the scale " + std::to_string(s));
  }
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  // [hr, s, wr, s] -> [hr, wr, s*s]: one row per output pixel holding its block's samples.
  auto blocks = mx::slice(depth, {0, 0}, {hr * s, wr * s});
  blocks = mx::reshape(mx::transpose(mx::reshape(blocks, {hr, s, wr, s}), {0, 2, 1, 3}), {hr, wr, s * s});
  const auto valid = mx::not_equal(blocks, mx::array(0, mx::uint16));
  const auto n = mx::sum(mx::astype(valid, mx::int32), -1, true);
  mx::array out{0};
  if (s == 2 || s == 3) {
    // Zeros sort last as 65536; the lower median of the n non-zero values sits at rank (n-1)/2.
    auto keyed = mx::where(valid, mx::astype(blocks, mx::int32), mx::array(65536, mx::int32));
    auto sorted = mx::sort(keyed, -1);
    auto rank = mx::maximum(mx::floor_divide(n - 1, mx::array(2, mx::int32)), mx::array(0, mx::int32));
    out = mx::take_along_axis(sorted, rank, -1);
  } else {
    auto sum = mx::sum(mx::astype(blocks, mx::int32), -1, true);  // <= 64 * 65535 fits int32
    out = mx::floor_divide(sum, mx::maximum(n, mx::array(1, mx::int32)));
  }
  out = mx::where(mx::greater(n, mx::array(0, mx::int32)), out, mx::array(0, mx::int32));
  out = mx::astype(mx::squeeze(out, -1), mx::uint16);
  if (hp != hr || wp != wr) out = mx::pad(out, {{0, hp - hr}, {0, wp - wr}});
  return out;
}

Frame decimate(const Frame& in, const DecimationOptions& options) {
  options.validate();
  if (in.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("input format must be z16, got ") + to_string(in.format));
  }
  Frame out = in;
  const int s = options.magnitude;
  out.data = decimate_z16(in.data, s);
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
  Frame process(const Frame& in) override {
    return decimate(in, {int(table_.get("filter_magnitude"))});
  }
};

std::unique_ptr<ProcessingBlock> make_decimation() { return std::make_unique<DecimationBlock>(); }

}  // namespace

ROBOMLX_DEPTH_BLOCK(decimation, "decimation", make_decimation);

}  // namespace robomlx::depth
