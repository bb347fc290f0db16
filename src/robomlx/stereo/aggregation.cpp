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
mx::array shift_rows(const mx::array& prev, int shift) {
  if (shift == 0) return prev;
  const int n = prev.shape(0), d = prev.shape(1);
  auto zero = mx::zeros({1, d}, prev.dtype());
  if (shift > 0) return mx::concatenate({zero, mx::slice(prev, {0, 0}, {n - 1, d})}, 0);
  return mx::concatenate({mx::slice(prev, {1, 0}, {n, d}), zero}, 0);
}

std::function<std::vector<mx::array>(const std::vector<mx::array>&)> make_step(int shift, int p1, int p2) {
  return mx::compile([shift, p1, p2](const std::vector<mx::array>& in) {
    const auto& c = in[0];
    auto prev = shift_rows(in[1], shift);
    const int n = prev.shape(0), d = prev.shape(1);
    const auto dt = prev.dtype();
    auto big = mx::full({n, 1}, mx::array(kBig, dt));
    auto lower = mx::concatenate({big, mx::slice(prev, {0, 0}, {n, d - 1})}, 1);  // prev[k - 1]
    auto upper = mx::concatenate({mx::slice(prev, {0, 1}, {n, d}), big}, 1);      // prev[k + 1]
    auto minp = mx::min(prev, -1, true);
    auto best = mx::minimum(prev, mx::add(mx::minimum(lower, upper), mx::array(p1, dt)));
    best = mx::minimum(best, mx::add(minp, mx::array(p2, dt)));
    return std::vector<mx::array>{mx::add(c, mx::subtract(best, minp))};
  });
}
}  // namespace

mx::array aggregate_one_path(const mx::array& cost, int dx, int dy, int p1, int p2) {
  const int h = cost.shape(0), w = cost.shape(1), nd = cost.shape(2);
  const bool horizontal = dy == 0;
  const int steps = horizontal ? w : h;
  const int dir = horizontal ? dx : dy;
  auto step = make_step(horizontal ? 0 : dx, p1, p2);
  std::vector<mx::array> out(steps, mx::array(0));
  auto prev = mx::zeros({horizontal ? h : w, nd}, cost.dtype());
  for (int i = 0; i < steps; ++i) {
    const int t = dir > 0 ? i : steps - 1 - i;
    auto c = horizontal ? mx::reshape(mx::slice(cost, {0, t, 0}, {h, t + 1, nd}), {h, nd})
                        : mx::reshape(mx::slice(cost, {t, 0, 0}, {t + 1, w, nd}), {w, nd});
    prev = step({c, prev})[0];
    out[t] = prev;
  }
  return mx::stack(out, horizontal ? 1 : 0);
}

mx::array aggregate_paths(const mx::array& cost, const CoreParams& p) {
  static constexpr int kDirs[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
  auto c = mx::astype(cost, mx::int16);
  mx::array s = aggregate_one_path(c, kDirs[0][0], kDirs[0][1], p.p1, p.p2);
  for (int r = 1; r < p.paths; ++r) s = mx::add(s, aggregate_one_path(c, kDirs[r][0], kDirs[r][1], p.p1, p.p2));
  return s;
}

}  // namespace robomlx::stereo::detail
