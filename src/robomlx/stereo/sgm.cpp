// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/sgm.h"

#include <cmath>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/stereo/sgm_twins.h"

namespace robomlx::stereo {

namespace {
constexpr const char* kTag = "stereo.sgm";
constexpr const char* kRefineTag = "stereo.refine";

void check_one_of(const char* name, int v, std::initializer_list<int> allowed, const char* text) {
  for (int a : allowed)
    if (v == a) return;
  fail_argument(kTag, std::string(name) + " must be " + text + ", got " + std::to_string(v));
}

detail::CoreParams core_params(const SgmOptions& o) {
  detail::CoreParams p;
  p.min_d = o.min_disparity;
  p.num_d = o.num_disparities;
  p.cost = o.cost == "ad_census" ? detail::CostKind::ad_census : detail::CostKind::census;
  p.census_w = o.census_width;
  p.census_h = o.census_height;
  p.p1 = int(std::lround(o.p1));
  p.p2 = int(std::lround(o.p2));
  p.paths = o.paths;
  p.subpixel = o.subpixel;
  p.lr_max_diff = o.lr_max_diff;
  p.uniqueness = o.uniqueness_ratio;
  p.median = o.median_size;
  return p;
}

// Parameters of the core at 1/f resolution: range [min/f, ceil((min+num)/f)).
detail::CoreParams coarse_params(const detail::CoreParams& p, int f) {
  auto pc = p;
  pc.min_d = p.min_d / f;
  pc.num_d = std::max(1, (p.min_d + p.num_d + f - 1) / f - pc.min_d);
  return pc;
}

ImplSet core_twins(const detail::CoreParams& p) {
  const bool gpu = detail::sgm_gpu_supports(p);
  return ImplSet{.cpu = true, .cuda = gpu, .metal = gpu && metal_twin_usable(kTag)};
}
constexpr ImplSet kRefineTwins{.cpu = true};

std::vector<mx::array> run_core(const mx::array& left, const mx::array& right, const detail::CoreParams& p,
                                mx::Stream s) {
  switch (choose_impl(kTag, s, core_twins(p))) {
    case Impl::cpu: return detail::sgm_core_cpu(left, right, p, s);
    case Impl::cuda: return detail::sgm_core_gpu(left, right, p, s);
    case Impl::metal:
      if (auto r = try_metal_twin(kTag, [&] { return detail::sgm_core_gpu(left, right, p, s); })) return *r;
      [[fallthrough]];
    default: return detail::sgm_core_portable(left, right, p, s);
  }
}

// Whether the CPU twin runs the whole pyramid: both the core and the refinement would pick it
// (a plan: preview_impl records nothing; the choices are recorded when the pyramid runs).
bool pyramid_on_cpu(const detail::CoreParams& pc, int radius, mx::Stream s) {
  if (preview_impl(kTag, s.device, core_twins(pc)) != Impl::cpu) return false;
  return radius == 0 || preview_impl(kRefineTag, s.device, kRefineTwins) == Impl::cpu;
}

// Area-average downsampling by f (edge-padded to a multiple of f).
mx::array downsample(const mx::array& img, int f, mx::Stream s) {
  const int h = img.shape(0), w = img.shape(1);
  const int hp = (h + f - 1) / f * f, wp = (w + f - 1) / f * f;
  auto padded = mx::pad(img, std::vector<std::pair<int, int>>{{0, hp - h}, {0, wp - w}}, mx::array(0.f), "edge", s);
  return mx::mean(mx::reshape(padded, {hp / f, f, wp / f, f}, s), std::vector<int>{1, 3}, false, s);
}

mx::array upsample_nearest(const mx::array& a, int f, int h, int w, mx::Stream s) {
  auto up = mx::repeat(mx::repeat(a, f, 0, s), f, 1, s);
  return mx::slice(up, {0, 0}, {h, w}, s);
}

// Box sum over (2r+1)^2, edge-clamped, of each [H, W] slice of v [H, W, K].
mx::array box_sum(const mx::array& v, int r, mx::Stream s) {
  const int h = v.shape(0), w = v.shape(1), k = v.shape(2);
  auto p = mx::pad(v, std::vector<std::pair<int, int>>{{r, r}, {r, r}, {0, 0}}, mx::array(0), "edge", s);
  auto rows = mx::slice(p, {0, 0, 0}, {h + 2 * r, w, k}, s);
  for (int dx = 1; dx <= 2 * r; ++dx) rows = mx::add(rows, mx::slice(p, {0, dx, 0}, {h + 2 * r, dx + w, k}, s), s);
  auto out = mx::slice(rows, {0, 0, 0}, {h, w, k}, s);
  for (int dy = 1; dy <= 2 * r; ++dy) out = mx::add(out, mx::slice(rows, {dy, 0, 0}, {dy + h, w, k}, s), s);
  return out;
}

mx::array refine(const mx::array& left, const mx::array& right, const mx::array& coarse, const detail::CoreParams& p,
                 int radius, mx::Stream s) {
  if (choose_impl(kRefineTag, s, kRefineTwins) == Impl::cpu) return detail::sgm_refine_cpu(left, right, coarse, p, radius, s);
  return detail::sgm_refine_portable(left, right, coarse, p, radius, s);
}

// Confidence is 0 where the disparity is invalid (after the median or speckle filter).
mx::array invalid_to_zero(const mx::array& disparity, const mx::array& confidence, mx::Stream s) {
  return mx::where(mx::greater_equal(disparity, mx::array(0.f), s), confidence, mx::array(0.f), s);
}
}  // namespace

void SgmOptions::validate() const {
  check_range(kTag, "min_disparity", min_disparity, 0, 4096);
  check_range(kTag, "num_disparities", num_disparities, 1, 1024);
  if (cost != "census" && cost != "ad_census")
    fail_argument(kTag, "cost must be \"census\" or \"ad_census\", got \"" + cost + "\"");
  check_one_of("census_width", census_width, {1, 3, 5, 7, 9}, "odd in [1, 9]");
  check_one_of("census_height", census_height, {1, 3, 5, 7}, "odd in [1, 7]");
  if (census_width * census_height < 2)
    fail_argument(kTag, "census_width * census_height must be >= 2, got 1");
  check_range(kTag, "p1", p1, 0, 1000);
  check_range_from(kTag, "p2", p2, "p1", p1, 4000);
  check_one_of("paths", paths, {4, 8}, "4 or 8");
  check_range(kTag, "lr_max_diff", lr_max_diff, -1e9, 1024);
  check_range(kTag, "uniqueness_ratio", uniqueness_ratio, 0, 99);
  check_one_of("median_size", median_size, {0, 3, 5}, "0, 3 or 5");
  check_range(kTag, "speckle_window", speckle_window, 0, 1 << 20);
  check_range(kTag, "speckle_range", speckle_range, 0, 4096);
  check_one_of("pyramid_factor", pyramid_factor, {1, 2, 4}, "1, 2 or 4");
  check_range(kTag, "refinement_radius", refinement_radius, 0, 16);
}

namespace detail {
std::vector<mx::array> sgm_core_portable(const mx::array& left, const mx::array& right, const CoreParams& p,
                                         mx::Stream s) {
  auto out = select_disparity(aggregate_paths(cost_volume(left, right, p, s), p, s), p, s);
  if (p.median > 1) {
    out[0] = median_filter(out[0], p.median, s);
    out[1] = invalid_to_zero(out[0], out[1], s);
  }
  return out;
}

// Full-resolution re-match in [c - r, c + r] around the upsampled disparity c (census cost,
// 7x7 box aggregation over the relative disparity index, WTA + parabola).
mx::array sgm_refine_portable(const mx::array& left, const mx::array& right, const mx::array& coarse,
                              const CoreParams& p, int radius, mx::Stream s) {
  const int h = left.shape(0), w = left.shape(1), nk = 2 * radius + 1;
  auto cl = census_transform(left, p.census_w, p.census_h, s);
  auto cr = census_transform(right, p.census_w, p.census_h, s);
  auto centre = mx::clip(mx::astype(mx::round(coarse, 0, s), mx::int32, s), mx::array(p.min_d),
                         mx::array(p.min_d + p.num_d - 1), s);
  auto ks = mx::reshape(mx::arange(-radius, radius + 1, mx::int32, s), {1, 1, nk}, s);
  auto d = mx::add(mx::expand_dims(centre, 2, s), ks, s);  // [H, W, K]
  auto xs = mx::reshape(mx::arange(w, mx::int32, s), {1, w, 1}, s);
  auto xr = mx::subtract(xs, d, s);
  auto in_range = mx::logical_and(mx::greater_equal(d, mx::array(p.min_d), s), mx::less(d, mx::array(p.min_d + p.num_d), s), s);
  auto ok = mx::logical_and(in_range, mx::greater_equal(xr, mx::array(0), s), s);
  auto idx = mx::reshape(mx::clip(xr, mx::array(0), mx::array(w - 1), s), {h, w * nk}, s);
  auto crg = mx::reshape(mx::take_along_axis(cr, idx, 1, s), {h, w, nk}, s);
  auto cost = mx::astype(popcount64(mx::bitwise_xor(mx::expand_dims(cl, 2, s), crg, s), s), mx::int32, s);
  cost = mx::where(ok, cost, mx::array(cost_max(p)), s);
  auto sum = box_sum(cost, kRefineBox, s);
  auto kb = mx::astype(mx::argmin(sum, -1, true, s), mx::int32, s);
  auto s1 = mx::astype(mx::take_along_axis(sum, kb, -1, s), mx::float32, s);
  auto sm = mx::astype(mx::take_along_axis(sum, mx::maximum(mx::subtract(kb, mx::array(1), s), mx::array(0), s), -1, s),
                       mx::float32, s);
  auto sp = mx::astype(
      mx::take_along_axis(sum, mx::minimum(mx::add(kb, mx::array(1), s), mx::array(nk - 1), s), -1, s), mx::float32, s);
  auto denom = mx::subtract(mx::add(sm, sp, s), mx::multiply(s1, mx::array(2.f), s), s);
  auto inner = mx::logical_and(mx::greater(kb, mx::array(0), s), mx::less(kb, mx::array(nk - 1), s), s);
  auto offset = mx::where(mx::logical_and(inner, mx::greater(denom, mx::array(0.f), s), s),
                          mx::divide(mx::subtract(sm, sp, s), mx::multiply(mx::array(2.f), mx::maximum(denom, mx::array(1.f), s), s), s),
                          mx::array(0.f), s);
  auto best = mx::add(mx::astype(mx::take_along_axis(d, kb, -1, s), mx::float32, s), p.subpixel ? offset : mx::array(0.f), s);
  best = mx::reshape(best, {h, w}, s);
  return mx::where(mx::greater_equal(coarse, mx::array(0.f), s), best, mx::array(-1.f), s);
}
}  // namespace detail

DisparityResult compute_disparity(const mx::array& left, const mx::array& right, const SgmOptions& opts,
                                  mx::StreamOrDevice stream_or_device) {
  opts.validate();
  check_ndim(kTag, "left", left, 2);
  check_dtype(kTag, "left", left, {mx::uint8, mx::float32});
  check_dtype(kTag, "right", right, {mx::uint8, mx::float32});
  check_shape(kTag, "right", right, {left.shape(0), left.shape(1)});
  const int h = left.shape(0), w = left.shape(1);
  const int f = opts.pyramid_factor;
  if (h < f || w < f) fail_argument(kTag, "left must be at least pyramid_factor pixels wide and high, got " + shape_string(left.shape()));
  const mx::Stream s = op_stream(stream_or_device);
  auto lf = mx::astype(left, mx::float32, s), rf = mx::astype(right, mx::float32, s);
  auto p = core_params(opts);
  const int radius = opts.refinement_radius;
  std::vector<mx::array> out;
  if (f == 1) {
    out = run_core(lf, rf, p, s);
  } else if (auto pc = coarse_params(p, f); pyramid_on_cpu(pc, radius, s)) {
    // One host op for the whole pyramid: no MLX glue ops between the stages.
    choose_impl(kTag, s, core_twins(pc));
    if (radius > 0) choose_impl(kRefineTag, s, kRefineTwins);
    out = detail::sgm_pyramid_cpu(lf, rf, p, pc, f, radius, s);
  } else {
    auto coarse = run_core(downsample(lf, f, s), downsample(rf, f, s), pc, s);
    auto disp = upsample_nearest(coarse[0], f, h, w, s);
    disp = mx::where(mx::greater_equal(disp, mx::array(0.f), s), mx::multiply(disp, mx::array(float(f)), s),
                     mx::array(-1.f), s);
    auto conf = upsample_nearest(coarse[1], f, h, w, s);
    if (radius > 0) disp = refine(lf, rf, disp, p, radius, s);
    out = {disp, conf};
  }
  if (opts.speckle_window > 0) {
    out[0] = detail::speckle_filter(out[0], opts.speckle_window, float(opts.speckle_range), s);
    out[1] = invalid_to_zero(out[0], out[1], s);
  }
  return {out[0], out[1]};
}

}  // namespace robomlx::stereo
