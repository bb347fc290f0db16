// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/voxel.h"

#include <cfloat>
#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.voxel";
}

void VoxelDownsampleOptions::validate() const {
  if (!(voxel_size > 0) || !std::isfinite(voxel_size)) {
    fail_argument(kTag, "voxel_size must be a finite value > 0, got " + std::to_string(voxel_size));
  }
}

mx::array voxel_downsample(const mx::array& points, const VoxelDownsampleOptions& options,
                           const std::optional<mx::array>& batch, mx::StreamOrDevice stream_or_device) {
  const mx::Stream s = op_stream(stream_or_device);
  options.validate();
  check_ndim(kTag, "points", points, 2);
  check_shape(kTag, "points", points, {-1, 3});
  check_dtype(kTag, "points", points, {mx::float32});
  int n = points.shape(0);
  if (batch) {
    check_ndim(kTag, "batch", *batch, 1);
    check_integer(kTag, "batch", *batch);
    if (batch->shape(0) != n) {
      fail_argument(kTag, "batch must have one id per point (" + std::to_string(n) + "), got " +
                              shape_string(batch->shape()));
    }
  }
  if (n == 0) return mx::zeros({0}, mx::int32, s);

  auto size = mx::array(options.voxel_size, mx::float32);
  auto cell = mx::floor(mx::divide(points, size, s), s);
  auto centre = mx::multiply(mx::add(cell, mx::array(0.5f), s), size, s);
  auto d = mx::subtract(points, centre, s);
  auto d2 = mx::sum(mx::multiply(d, d, s), 1, false, s);
  // Dense key over the occupied bounding box (plus the batch id) in int64.
  auto c = mx::astype(cell, mx::int64, s);
  auto lo = mx::min(c, 0, false, s), hi = mx::max(c, 0, false, s);
  auto b = batch ? mx::astype(*batch, mx::int64, s) : mx::zeros({n}, mx::int64, s);
  auto bmax = mx::max(b, s);
  mx::eval(lo, hi, bmax);
  double cells = static_cast<double>(bmax.item<int64_t>() + 1);
  int64_t dims[3];
  for (int a = 0; a < 3; ++a) {
    dims[a] = hi.data<int64_t>()[a] - lo.data<int64_t>()[a] + 1;
    cells *= static_cast<double>(dims[a]);
  }
  if (bmax.item<int64_t>() < 0 || mx::min(b, s).item<int64_t>() < 0) fail_argument(kTag, "batch ids must be >= 0");
  if (cells > 4.0e18) {
    fail_argument(kTag, "voxel_size " + std::to_string(options.voxel_size) + " is too small for this cloud's extent");
  }
  auto rel = mx::subtract(c, lo, s);
  auto key = b;
  for (int a = 2; a >= 0; --a) {
    key = mx::add(mx::multiply(key, mx::array(dims[a], mx::int64), s), mx::take(rel, a, 1, s), s);
  }
  // Order by (key, distance, index): stable sorts, least significant first. After sorting, the
  // first point of every run of equal keys is the voxel's winner.
  auto by_dist = mx::argsort(d2, s);
  auto order = mx::take(by_dist, mx::argsort(mx::take(key, by_dist, s), s), s);
  auto sorted_key = mx::take(key, order, s);
  auto first = mx::concatenate(
      {mx::array({true}), mx::not_equal(mx::slice(sorted_key, {1}, {n}, s), mx::slice(sorted_key, {0}, {n - 1}, s), s)},
      s);
  int m = mx::sum(mx::astype(first, mx::int32, s), s).item<int>();
  auto losers_last = mx::argsort(mx::astype(mx::logical_not(first, s), mx::int32, s), s);
  auto winners = mx::take(order, mx::slice(losers_last, {0}, {m}, s), s);
  return mx::sort(mx::astype(winners, mx::int32, s), s);
}

}  // namespace robomlx::sparse
