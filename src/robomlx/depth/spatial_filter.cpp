// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch and the portable path of the spatial filter; its float (disparity) path is
// in spatial_filter_float.cpp.
//
// Z16 path: a loop over the sequential axis, whole lines of the other axis at once (horizontal
// passes run on the transposed image so both scan axis 0). It has no exact log-depth form: the
// edge test reads the filtered neighbour, every blend is rounded to an integer and the horizontal
// passes count filled holes, so a step is a nonlinear map of a 16-bit state, and composing such
// maps exactly takes a 65536-entry table per sample. It stays bit-exact with upstream, and the
// standard chain filters disparity, not Z16.
#include "robomlx/depth/spatial_filter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include <mlx/compile.h>
#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/spatial_filter_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.spatial";
using detail::run_fused;

void check_integer_option(const char* name, int v, int lo, int hi) { check_range(kTag, name, v, lo, hi); }

mx::array row(const mx::array& x, int k, mx::Stream s) {
  return mx::slice(x, {k, 0}, {k + 1, x.shape(1)}, s);
}

mx::array scalar(float v) { return mx::array(v, mx::float32); }

// One step of each recursion. On the CPU it is compiled once (shapeless, so every image size
// shares it): the elementwise work of a step fuses into one kernel, leaving ~4 graph nodes per
// scanned line. Options enter as scalar inputs, never as captured constants.
using Step = std::function<std::vector<mx::array>(const std::vector<mx::array>&)>;

mx::array z16_blend(const mx::array& weighted, const mx::array& other, const mx::array& keep, mx::StreamOrDevice s) {
  return mx::floor(mx::add(mx::add(weighted, mx::multiply(other, keep, s), s), scalar(0.5f), s), s);
}

// Horizontal steps: {state, fill, cur, weighted, keep, delta, radius} -> {state, fill}.
// Left->right compares with the filtered left pixel; both must be >= 1 and differ by 1..delta.
std::vector<mx::array> z16_lr_step(const std::vector<mx::array>& a, mx::StreamOrDevice s) {
  const auto &state = a[0], &fill = a[1], &cur = a[2];
  auto one = scalar(1.0f);
  auto v0 = mx::greater_equal(state, one, s), v1 = mx::greater_equal(cur, one, s);
  auto diff = mx::abs(mx::subtract(cur, state, s), s);
  auto blend = mx::logical_and(mx::logical_and(v0, v1, s),
                               mx::logical_and(mx::greater_equal(diff, one, s), mx::less_equal(diff, a[5], s), s), s);
  auto out = mx::where(blend, z16_blend(a[3], state, a[4], s), cur, s);
  auto hole = mx::logical_and(v0, mx::logical_not(v1, s), s);
  auto next_fill = mx::where(mx::logical_and(v0, v1, s), scalar(0), mx::where(hole, mx::add(fill, one, s), fill, s), s);
  return {mx::where(mx::logical_and(hole, mx::less(next_fill, a[6], s), s), state, out, s), next_fill};
}

// Right->left: the right pixel (filtered) must be >= 1 and the current one > 1 (raw 1 = hole).
std::vector<mx::array> z16_rl_step(const std::vector<mx::array>& a, mx::StreamOrDevice s) {
  const auto &state = a[0], &fill = a[1], &cur = a[2];
  auto one = scalar(1.0f);
  auto v1 = mx::greater_equal(state, one, s), v0 = mx::greater(cur, one, s);
  auto blend = mx::logical_and(mx::logical_and(v0, v1, s), mx::less_equal(mx::abs(mx::subtract(state, cur, s), s), a[5], s), s);
  auto out = mx::where(blend, z16_blend(a[3], state, a[4], s), cur, s);
  auto hole = mx::logical_and(v1, mx::logical_not(v0, s), s);
  auto next_fill = mx::where(mx::logical_and(v0, v1, s), scalar(0), mx::where(hole, mx::add(fill, one, s), fill, s), s);
  return {mx::where(mx::logical_and(hole, mx::less(next_fill, a[6], s), s), state, out, s), next_fill};
}

// Vertical steps: {state, cur, weighted, keep, delta} -> {state}. Top->bottom has no validity test.
std::vector<mx::array> z16_tb_step(const std::vector<mx::array>& a, mx::StreamOrDevice s) {
  auto close = mx::less(mx::abs(mx::subtract(a[0], a[1], s), s), a[4], s);
  return {mx::where(close, z16_blend(a[2], a[0], a[3], s), a[1], s)};
}

std::vector<mx::array> z16_bt_step(const std::vector<mx::array>& a, mx::StreamOrDevice s) {
  auto one = scalar(1.0f);
  auto both = mx::logical_and(mx::greater_equal(a[1], one, s), mx::greater_equal(a[0], one, s), s);
  auto close = mx::logical_and(both, mx::less(mx::abs(mx::subtract(a[1], a[0], s), s), a[4], s), s);
  return {mx::where(close, z16_blend(a[2], a[0], a[3], s), a[1], s)};
}

using StepFn = std::vector<mx::array> (*)(const std::vector<mx::array>&, mx::StreamOrDevice);

// Compiled only for the default CPU stream: fused GPU kernels (NVRTC, Metal) may contract a*b+c
// into an FMA, which would break bit-exactness, and a compiled graph keeps the trace's stream.
template <StepFn F>
Step step_for(mx::Stream s) {
  bool default_cpu = s.device == mx::Device::cpu && mx::default_device() == mx::Device::cpu &&
                     s == mx::default_stream(s.device);
  if (!default_cpu) return [s](const std::vector<mx::array>& a) { return F(a, s); };
  thread_local Step fused = mx::compile(+[](const std::vector<mx::array>& a) { return F(a, {}); }, /*shapeless=*/true);
  return fused;
}

// Runs `step` along axis 0 of x [N, M] (forward: rows 1..N-1 from row 0; backward: N-2..0 from
// row N-1). `per_row` are [N, M] inputs sliced per step, `extra` scalars; the first input and output
// are the carried line, further state outputs (hole counters) are carried too.
mx::array scan(const mx::array& x, bool forward, const Step& step, const std::vector<mx::array>& per_row,
               const std::vector<mx::array>& extra, int carried, int skip_last, mx::Stream s) {
  int n = x.shape(0);
  std::vector<mx::array> rows(n, mx::array(0));
  std::vector<mx::array> state = {row(x, forward ? 0 : n - 1, s)};
  for (int i = 1; i < carried; ++i) state.push_back(mx::zeros_like(state[0], s));
  rows[forward ? 0 : n - 1] = state[0];
  for (int i = 1; i < n; ++i) {
    int k = forward ? i : n - 1 - i;
    if (forward && k >= n - skip_last) {
      rows[k] = row(x, k, s);
      continue;
    }
    std::vector<mx::array> args = state;
    for (const auto& a : per_row) args.push_back(row(a, k, s));
    args.insert(args.end(), extra.begin(), extra.end());
    state = step(args);
    rows[k] = state[0];
  }
  return mx::concatenate(rows, 0, s);
}

// uint16 path (values held as float32, exact): librealsense's recursive_filter_horizontal on
// xt = image transposed [W, H] (left->right skips the last column), then recursive_filter_vertical.
mx::array z16_horizontal(const mx::array& xt, float alpha, float delta, int radius, mx::Stream s) {
  std::vector<mx::array> extra = {scalar(1.0f - alpha), scalar(delta), scalar(static_cast<float>(radius))};
  auto lr = scan(xt, true, step_for<z16_lr_step>(s), {xt, mx::multiply(xt, scalar(alpha), s)}, extra, 2, 1, s);
  return scan(lr, false, step_for<z16_rl_step>(s), {lr, mx::multiply(lr, scalar(alpha), s)}, extra, 2, 0, s);
}

mx::array z16_vertical(const mx::array& x, float alpha, float delta, mx::Stream s) {
  std::vector<mx::array> extra = {scalar(1.0f - alpha), scalar(delta)};
  auto down = scan(x, true, step_for<z16_tb_step>(s), {x, mx::multiply(x, scalar(alpha), s)}, extra, 1, 0, s);
  return scan(down, false, step_for<z16_bt_step>(s), {down, mx::multiply(down, scalar(alpha), s)}, extra, 1, 0, s);
}

}  // namespace

void SpatialFilterOptions::validate() const {
  check_range(kTag, "filter_smooth_alpha", alpha, 0.25, 1.0);
  check_integer_option("filter_smooth_delta", delta, 1, 50);
  check_integer_option("filter_magnitude", iterations, 1, 5);
  check_integer_option("holes_fill", holes_fill, 0, 5);
}

int SpatialFilterOptions::holes_fill_radius() const {
  if (holes_fill <= 0) return 0;
  return holes_fill >= 5 ? 255 : 1 << holes_fill;
}

namespace detail {
mx::array spatial_filter_portable(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  if (image.dtype() == mx::float32) return spatial_filter_float(image, o, s);
  const auto delta = static_cast<float>(o.delta);
  int radius = o.holes_fill_radius();
  auto x = mx::astype(image, mx::float32, s);
  for (int it = 0; it < o.iterations; ++it) {
    auto xt = mx::transpose(x, s);
    x = z16_vertical(mx::transpose(z16_horizontal(xt, o.alpha, delta, radius, s), s), o.alpha, delta, s);
  }
  return mx::astype(x, mx::uint16, s);
}
}  // namespace detail

mx::array spatial_filter(const mx::array& image, const SpatialFilterOptions& options, mx::StreamOrDevice s) {
  options.validate();
  check_ndim(kTag, "image", image, 2);
  check_dtype(kTag, "image", image, {mx::uint16, mx::float32});
  if (image.shape(0) < 2 || image.shape(1) < 2) {
    fail_argument(kTag, "image must be at least 2x2, got shape " + shape_string(image.shape()));
  }
  const mx::Stream stream = op_stream(s);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(kTag)})) {
    case Impl::cpu: return detail::spatial_filter_cpu(image, options, stream);
    case Impl::cuda: return detail::spatial_filter_gpu(image, options, stream);
    case Impl::metal:
      if (auto r = try_metal_twin(kTag, [&] { return detail::spatial_filter_gpu(image, options, stream); })) return *r;
      [[fallthrough]];
    default: return detail::spatial_filter_portable(image, options, stream);
  }
}

}  // namespace robomlx::depth
