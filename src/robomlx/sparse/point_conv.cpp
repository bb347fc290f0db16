// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/point_conv.h"

#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/mvmr.h"
#include "robomlx/sparse/neighbors.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.point_conv";
}

void TripletOptions::validate() const {
  RadiusSearchOptions{radius, max_neighbors}.validate();
  if (kernel_size < 1 || kernel_size > 7) {
    fail_argument(kTag, "kernel_size must be in [1, 7], got " + std::to_string(kernel_size));
  }
}

ConvTriplets build_triplets(const mx::array& in_points, const mx::array& out_points, const TripletOptions& options,
                            const std::optional<mx::array>& in_batch, const std::optional<mx::array>& out_batch,
                            mx::StreamOrDevice stream_or_device) {
  const mx::Stream s = op_stream(stream_or_device);
  options.validate();
  RadiusSearchOptions search{options.radius, options.max_neighbors};
  auto nl = radius_search(in_points, out_points, search, in_batch, out_batch, s);
  auto i = nl.query_ids();
  auto j = nl.indices;
  int ks = options.kernel_size;
  // Bin the offset; clamp guards u = 1 exactly (inclusive radius) and rounding just past it.
  auto offset = mx::subtract(mx::take(in_points, j, 0, s), mx::take(out_points, i, 0, s), s);
  auto u = mx::divide(offset, mx::array(options.radius), s);
  auto bins = mx::floor(mx::multiply(mx::add(u, mx::array(1.0f), s), mx::array(0.5f * ks), s), s);
  bins = mx::astype(mx::clip(bins, mx::array(0.0f), mx::array(static_cast<float>(ks - 1)), s), mx::int32, s);
  auto ksa = mx::array(ks);
  auto bin = [&](int axis) { return mx::take(bins, axis, 1, s); };
  auto tap = mx::add(mx::multiply(mx::add(mx::multiply(bin(0), ksa, s), bin(1), s), ksa, s), bin(2), s);
  // Tap-sorted triplets let MVMR use its grouped path; the stable sort keeps query order inside a tap.
  auto order = mx::argsort(tap, s);
  ConvTriplets t{mx::take(tap, order, s), mx::take(j, order, s), mx::take(i, order, s), in_points.shape(0),
                 out_points.shape(0), ks * ks * ks};
  if (t.size() == 0) t = ConvTriplets{j, j, j, t.num_inputs, t.num_outputs, t.num_taps};
  mx::eval(t.tap, t.input, t.output);
  return t;
}

mx::array point_conv(const mx::array& x, const mx::array& weight, const std::optional<mx::array>& bias,
                     const ConvTriplets& triplets, mx::StreamOrDevice stream_or_device) {
  const mx::Stream s = op_stream(stream_or_device);
  check_ndim(kTag, "x", x, 2);
  check_ndim(kTag, "weight", weight, 4);
  int k = weight.shape(0), g = weight.shape(1), c = weight.shape(2), m = weight.shape(3);
  if (k != triplets.num_taps) {
    fail_argument(kTag, "weight must have " + std::to_string(triplets.num_taps) + " taps (axis 0), got " +
                            shape_string(weight.shape()));
  }
  if (x.shape(0) != triplets.num_inputs || x.shape(1) != g * c) {
    fail_argument(kTag, "x must be [" + std::to_string(triplets.num_inputs) + ", " + std::to_string(g * c) +
                            "] for these triplets and weight " + shape_string(weight.shape()) + ", got " +
                            shape_string(x.shape()));
  }
  if (bias) check_shape(kTag, "bias", *bias, {g * m});
  auto xb = mx::reshape(x, {x.shape(0), g, c}, s);
  // The host index scan costs one O(T) pass over already-evaluated triplets and tells MVMR that
  // taps are sorted, which its forward (grouped gather_mm) and weight gradient (VVOR) exploit.
  auto y = mvmr(weight, xb, triplets.tap, triplets.input, triplets.output, triplets.num_outputs, IndexCheck::host, s);
  y = mx::reshape(y, {triplets.num_outputs, g * m}, s);
  return bias ? mx::add(y, *bias, s) : y;
}

}  // namespace robomlx::sparse
