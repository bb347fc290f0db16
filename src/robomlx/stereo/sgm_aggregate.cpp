// SPDX-License-Identifier: Apache-2.0
// Portable SGM path aggregation. The recurrence runs along one axis; each step updates a whole
// column (horizontal paths: [H, D]) or row (vertical and diagonal paths: [W, D]) at once, and a
// diagonal differs from a vertical path only by shifting the previous row by one pixel.
#include <mlx/compile.h>
#include <mlx/ops.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
// Stands in for "no neighbour disparity": above any pmin + P2 (<= cost_max + 4000) and still
// in int16 after + P1 (<= 1000). Path costs and their sum fit int16 by the option limits
// (S <= 8 * (cost_max + P2) < 32767), which halves the memory of this path.
constexpr int kBig = 16000;

// prev[i - shift] along axis 0, zero-filled: a zero predecessor makes L = C (path start).
mx::array shift_rows(const mx::array& prev, int shift, mx::Stream s) {
  if (shift == 0) return prev;
  const int n = prev.shape(0), d = prev.shape(1);
  auto zero = mx::zeros({1, d}, prev.dtype(), s);
  if (shift > 0) return mx::concatenate({zero, mx::slice(prev, {0, 0}, {n - 1, d}, s)}, 0, s);
  return mx::concatenate({mx::slice(prev, {1, 0}, {n, d}, s), zero}, 0, s);
}

// The compiled step is traced with the ops on `s`, and lives for one path only.
std::function<std::vector<mx::array>(const std::vector<mx::array>&)> make_step(int shift, int p1, int p2, mx::Stream s) {
  return mx::compile([shift, p1, p2, s](const std::vector<mx::array>& in) {
    const auto& c = in[0];
    auto prev = shift_rows(in[1], shift, s);
    const int n = prev.shape(0), d = prev.shape(1);
    const auto dt = prev.dtype();
    auto big = mx::full({n, 1}, mx::array(kBig, dt), s);
    auto lower = mx::concatenate({big, mx::slice(prev, {0, 0}, {n, d - 1}, s)}, 1, s);  // prev[k - 1]
    auto upper = mx::concatenate({mx::slice(prev, {0, 1}, {n, d}, s), big}, 1, s);      // prev[k + 1]
    auto minp = mx::min(prev, -1, true, s);
    auto best = mx::minimum(prev, mx::add(mx::minimum(lower, upper, s), mx::array(p1, dt), s), s);
    best = mx::minimum(best, mx::add(minp, mx::array(p2, dt), s), s);
    return std::vector<mx::array>{mx::add(c, mx::subtract(best, minp, s), s)};
  });
}
}  // namespace

mx::array aggregate_one_path(const mx::array& cost, int dx, int dy, int p1, int p2, mx::Stream s) {
  const int h = cost.shape(0), w = cost.shape(1), nd = cost.shape(2);
  const bool horizontal = dy == 0;
  const int steps = horizontal ? w : h;
  const int dir = horizontal ? dx : dy;
  auto step = make_step(horizontal ? 0 : dx, p1, p2, s);
  std::vector<mx::array> out(steps, mx::array(0));
  auto prev = mx::zeros({horizontal ? h : w, nd}, cost.dtype(), s);
  for (int i = 0; i < steps; ++i) {
    const int t = dir > 0 ? i : steps - 1 - i;
    auto c = horizontal ? mx::reshape(mx::slice(cost, {0, t, 0}, {h, t + 1, nd}, s), {h, nd}, s)
                        : mx::reshape(mx::slice(cost, {t, 0, 0}, {t + 1, w, nd}, s), {w, nd}, s);
    prev = step({c, prev})[0];
    out[t] = prev;
  }
  return mx::stack(out, horizontal ? 1 : 0, s);
}

mx::array aggregate_paths(const mx::array& cost, const CoreParams& p, mx::Stream s) {
  static constexpr int kDirs[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
  auto c = mx::astype(cost, mx::int16, s);
  mx::array sum = aggregate_one_path(c, kDirs[0][0], kDirs[0][1], p.p1, p.p2, s);
  for (int r = 1; r < p.paths; ++r) sum = mx::add(sum, aggregate_one_path(c, kDirs[r][0], kDirs[r][1], p.p1, p.p2, s), s);
  return sum;
}

}  // namespace robomlx::stereo::detail
