// SPDX-License-Identifier: Apache-2.0
// MLX has no boolean compaction, so the masks go to the host once per densification (every 100
// steps by default) and come back as row indices for select_gaussians.
#include "robomlx/splat/gaussian_densify.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.densify";

template <typename T>
std::vector<T> host(const mx::array& a) {
  mx::array c = mx::contiguous(mx::astype(a, mx::TypeToDtype<T>(), mx::Device::cpu), false, mx::Device::cpu);
  mx::eval(c);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

mx::array rows_array(const std::vector<int>& rows) {
  return mx::array(rows.data(), {static_cast<int>(rows.size())}, mx::int32);
}

mx::array max_scale(const GaussianScene& g, mx::Stream s) {
  return mx::max(activated_scales(g, s), 1, false, s);
}

// [K, 3, 3] rotation matrices (local to world) of unit quaternions (w, x, y, z) [K, 4], the
// convention project_gaussians builds covariances with (Sigma = R S^2 R^T).
mx::array rotation_matrices(const mx::array& q, mx::Stream s) {
  const int k = q.shape(0);
  auto c = [&](int i) { return mx::reshape(mx::slice(q, {0, i}, {k, i + 1}, s), {k}, s); };
  const auto w = c(0), x = c(1), y = c(2), z = c(3);
  auto m = [&](const mx::array& a, const mx::array& b) { return mx::multiply(a, b, s); };
  auto two = [&](const mx::array& a) { return mx::multiply(mx::array(2.0f), a, s); };
  auto one_minus_two = [&](const mx::array& a, const mx::array& b) {
    return mx::subtract(mx::array(1.0f), two(mx::add(a, b, s)), s);
  };
  const auto xx = m(x, x), yy = m(y, y), zz = m(z, z), xy = m(x, y), xz = m(x, z), yz = m(y, z);
  const auto wx = m(w, x), wy = m(w, y), wz = m(w, z);
  const std::vector<mx::array> e = {one_minus_two(yy, zz),         two(mx::subtract(xy, wz, s)), two(mx::add(xz, wy, s)),
                                    two(mx::add(xy, wz, s)),      one_minus_two(xx, zz),        two(mx::subtract(yz, wx, s)),
                                    two(mx::subtract(xz, wy, s)), two(mx::add(yz, wx, s)),      one_minus_two(xx, yy)};
  return mx::reshape(mx::stack(e, 1, s), {k, 3, 3}, s);
}

// Two Gaussians drawn from each of `parents`: first children of all, then second children.
GaussianScene split_children(const GaussianScene& scene, const std::vector<int>& parents, const mx::array& key,
                             mx::Stream s) {
  const int k = static_cast<int>(parents.size());
  const auto rows = rows_array(parents);
  const GaussianScene p = select_gaussians(scene, rows, s);
  const auto scales = activated_scales(p, s);
  const auto rot = rotation_matrices(normalized_rotations(p, s), s);
  const auto z = mx::random::normal({2, k, 3}, mx::float32, key, s);
  const auto local = mx::multiply(z, mx::expand_dims(scales, 0, s), s);                      // [2, K, 3]
  const auto offset = mx::matmul(mx::expand_dims(rot, 0, s), mx::expand_dims(local, 3, s), s);  // [2, K, 3, 1]
  GaussianScene children = select_gaussians(scene, mx::concatenate({rows, rows}, 0, s), s);
  children.means = mx::add(children.means, mx::reshape(offset, {2 * k, 3}, s), s);
  children.log_scales = mx::subtract(children.log_scales, mx::array(static_cast<float>(std::log(1.6))), s);
  return children;
}

void check_sizes(const GaussianScene& scene, const GaussianAdam& adam, const DensifyStats& stats) {
  if (adam.size() != scene.size() || stats.size() != scene.size())
    fail_argument(kTag, "scene, optimizer and statistics must describe the same Gaussians (" +
                            std::to_string(scene.size()) + ", " + std::to_string(adam.size()) + ", " +
                            std::to_string(stats.size()) + ")");
}

DensifyStats select_stats(const DensifyStats& st, const mx::array& rows, mx::Stream s) {
  return {mx::take(st.grad_accum, rows, 0, s), mx::take(st.count, rows, 0, s), mx::take(st.max_radii, rows, 0, s)};
}
}  // namespace

void DensifySettings::validate() const {
  check_range(kTag, "grad_threshold", grad_threshold, 0, 1e30);
  check_range(kTag, "percent_dense", percent_dense, 0, 1e30);
  check_range(kTag, "min_opacity", min_opacity, 0, 1);
  check_range(kTag, "max_screen_radius", max_screen_radius, 0, 1e30);
  check_range(kTag, "max_world_scale", max_world_scale, 0, 1e30);
  check_range(kTag, "max_gaussians", max_gaussians, 0, 2e9);
}

DensifyStats DensifyStats::zeros(int n, mx::StreamOrDevice s) {
  return {mx::zeros({n}, mx::float32, s), mx::zeros({n}, mx::float32, s), mx::zeros({n}, mx::float32, s)};
}

void accumulate_densify_stats(DensifyStats& st, const mx::array& screen_grad, const mx::array& radii,
                              mx::StreamOrDevice so) {
  const int n = st.size();
  check_shape(kTag, "screen_grad", screen_grad, {n, 2});
  check_shape(kTag, "radii", radii, {n});
  const mx::Stream s = op_stream(so);
  choose_impl(kTag, s, ImplSet{});
  const auto r = mx::astype(radii, mx::float32, s);
  const auto visible = mx::greater(r, mx::array(0.0f), s);
  const auto norm = mx::sqrt(mx::sum(mx::square(screen_grad, s), 1, false, s), s);
  st.grad_accum = mx::add(st.grad_accum, mx::where(visible, norm, mx::array(0.0f), s), s);
  st.count = mx::add(st.count, mx::astype(visible, mx::float32, s), s);
  st.max_radii = mx::where(visible, mx::maximum(st.max_radii, r, s), st.max_radii, s);
}

int prune_gaussians(GaussianScene& scene, GaussianAdam& adam, DensifyStats& stats, const mx::array& keep,
                    mx::StreamOrDevice so) {
  check_sizes(scene, adam, stats);
  check_shape(kTag, "keep", keep, {scene.size()});
  const mx::Stream s = op_stream(so);
  const auto flags = host<std::uint8_t>(keep);
  std::vector<int> rows;
  for (int i = 0; i < static_cast<int>(flags.size()); ++i)
    if (flags[i]) rows.push_back(i);
  const int removed = scene.size() - static_cast<int>(rows.size());
  if (removed == 0) return 0;
  const auto r = rows_array(rows);
  scene = select_gaussians(scene, r, s);
  adam.select(r, s);
  stats = select_stats(stats, r, s);
  return removed;
}

DensifyCounts densify_and_prune(GaussianScene& scene, GaussianAdam& adam, DensifyStats& stats,
                                const DensifySettings& st, double extent, const mx::array& key,
                                mx::StreamOrDevice so) {
  st.validate();
  check_sizes(scene, adam, stats);
  check_range(kTag, "extent", extent, 0, 1e30);
  const mx::Stream s = op_stream(so);
  choose_impl(kTag, s, ImplSet{});
  DensifyCounts counts;
  const int n = counts.before = scene.size();
  const auto gbar = host<float>(mx::where(mx::greater(stats.count, mx::array(0.0f), s),
                                          mx::divide(stats.grad_accum, mx::maximum(stats.count, mx::array(1.0f), s), s),
                                          mx::array(0.0f), s));
  const auto big = host<float>(max_scale(scene, s));
  std::vector<int> candidates;
  for (int i = 0; i < n; ++i)
    if (gbar[i] >= st.grad_threshold) candidates.push_back(i);
  if (st.max_gaussians > 0 && static_cast<int>(candidates.size()) > std::max(0, st.max_gaussians - n)) {
    std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) { return gbar[a] > gbar[b]; });
    candidates.resize(std::max(0, st.max_gaussians - n));
    std::sort(candidates.begin(), candidates.end());
  }
  const double dense = static_cast<double>(st.percent_dense) * extent;
  std::vector<int> clone, split;
  for (int i : candidates) (big[i] <= dense ? clone : split).push_back(i);
  counts.cloned = static_cast<int>(clone.size());
  counts.split = static_cast<int>(split.size());

  std::vector<char> is_split(n, 0);
  for (int i : split) is_split[i] = 1;
  std::vector<int> kept;
  for (int i = 0; i < n; ++i)
    if (!is_split[i]) kept.push_back(i);
  const auto kept_rows = rows_array(kept);
  GaussianScene grown = select_gaussians(scene, kept_rows, s);
  if (!clone.empty()) grown = concatenate_gaussians(grown, select_gaussians(scene, rows_array(clone), s), s);
  if (!split.empty()) grown = concatenate_gaussians(grown, split_children(scene, split, key, s), s);
  adam.select(kept_rows, s);
  adam.append_zeros(counts.cloned + 2 * counts.split, s);
  const int added = grown.size() - static_cast<int>(kept.size());
  // New Gaussians have not been rendered yet: radius 0, so only their opacity and world size count.
  DensifyStats grown_stats = select_stats(stats, kept_rows, s);
  grown_stats.max_radii = mx::concatenate({grown_stats.max_radii, mx::zeros({added}, mx::float32, s)}, 0, s);
  grown_stats.grad_accum = grown_stats.count = mx::zeros({grown.size()}, mx::float32, s);

  auto prune = mx::less(mx::reshape(activated_opacities(grown, s), {grown.size()}, s), mx::array(st.min_opacity), s);
  if (st.prune_large) {
    if (st.max_screen_radius > 0)
      prune = mx::logical_or(prune, mx::greater(grown_stats.max_radii, mx::array(st.max_screen_radius), s), s);
    const auto world = static_cast<float>(st.max_world_scale * extent);
    prune = mx::logical_or(prune, mx::greater(max_scale(grown, s), mx::array(world), s), s);
  }
  scene = std::move(grown);
  stats = std::move(grown_stats);
  counts.pruned = prune_gaussians(scene, adam, stats, mx::logical_not(prune, s), s);
  counts.after = scene.size();
  stats = DensifyStats::zeros(counts.after, s);
  return counts;
}

void reset_opacity(GaussianScene& scene, GaussianAdam& adam, float max_opacity, mx::StreamOrDevice so) {
  check_range(kTag, "max_opacity", max_opacity, 1e-6, 1 - 1e-6);
  const mx::Stream s = op_stream(so);
  const auto limit = static_cast<float>(std::log(max_opacity / (1.0 - max_opacity)));
  scene.opacity_logits = mx::minimum(scene.opacity_logits, mx::array(limit), s);
  adam.reset_opacity_moments(s);
}

}  // namespace robomlx::splat
