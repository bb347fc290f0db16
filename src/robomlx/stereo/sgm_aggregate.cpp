// SPDX-License-Identifier: Apache-2.0
// Portable SGM path aggregation as one batched sweep: every path of every direction advances by
// one pixel a step, with three MLX kernels a step (the min over disparities, one compiled
// elementwise kernel, one in-place add into the sums); every other access is a strided view.
// The horizontal paths run over a transposed copy of the costs, so that they advance by rows like
// the others and all paths share one state, one view of the costs and one add: a frame costs
// max(H + 2, W + 1) steps (8 paths) or max(H, W) (4 paths), about 3 max(W, H) launches (the
// two groups of the previous version took 3 (H + W)). On a GPU it is bound by MLX's cost per
// graph node (14 a step), not by the GPU: H100 timings in docs/results/2026-12-07-h100-sgm-sweep.
//
// Layout. The buffer cpx [2, R, N, D] (uint8) holds volume v = 0 (the costs) and v = 1 (their
// 180-degree rotation, in which every path runs the opposite way), each twice: pixel (y, x) at
// row y + 3, column x + 1 (part A: the vertical and diagonal paths step along rows) and at row
// x + 3, column W + 3 + y (part B, transposed: the horizontal paths step along its rows).
// Columns 0, W + 1, W + 2 and N - 1 = W + H + 3 are padding; rows past the image hold zeros.
// A step reads one row of cpx per state slot and adds the new states into the same places of
// acc [2, R, N, D] (int16; S < 32767 by the option limits); S sums the four views of acc at the
// end. A state line holds the D path costs between sentinels (kBig), K values in all (D + 2
// rounded up to a multiple of 8), so that the neighbours k - 1 and k + 1 are the same state
// read one element off. A constant `fixed` array pins the sentinels to kBig and padding or
// unused slots to 0 (a path start).
//
// Two kinds of state:
//  * rows3 (8 paths): [2, 3, n, K]; slot q reads the previous state of column j + 1 - q
//    (q = 0, 2: the diagonals, q = 1: straight), and runs row t + q + 1 of cpx at step t, so the
//    three slots read and add three consecutive rows (one view, one add). In part B only slot 1
//    (the horizontal paths) is used; slots 0 and 2 are pinned to 0.
//  * swap (4 paths, and the horizontal paths alone once the rows are done): [2, n + 1, K],
//    straight paths only, all on one row of cpx at step t. The two volumes trade slots every
//    step: slot 0 reads slot 1 one column left, slot 1 reads slot 0 one column right, so a path
//    alternates between columns c + 1 and c and never drifts, and no neighbour view starts before
//    the state (column 0 of slot 0 is never read).
// Every view stays inside its buffer (the reads one element before or after a row land on the
// padding or on the next row; cpx and acc have spare rows).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <mlx/compile.h>
#include <mlx/ops.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
// Sentinel disparity neighbour: above any m + P2 (<= cost_max + 4000) and still in int16 after
// + P1 (<= 1000). Path costs and their sum fit int16 by the option limits
// (S <= 8 * (cost_max + P2) < 32767), which halves the memory of this path.
constexpr int kBig = 16000;
constexpr int kRow0 = 3;  // row of image index 0 in cpx and acc

using CompiledFn = std::function<std::vector<mx::array>(const std::vector<mx::array>&)>;

// Sizes and strides (in elements) of cpx and acc; `slots` is 3 (rows3) or 1 (swap).
struct Layout {
  int h, w, nd, slots;
  int n() const { return w + h + 4; }
  int steps() const { return slots == 3 ? std::max(h + 2, w + 1) : std::max(h, w); }
  int rows() const { return steps() + 5; }
  // Values a state line holds: the D path costs after one sentinel, then sentinels up to a
  // multiple of 8, which lets MLX's strided kernels do 8 values a thread (H100: 25% faster).
  std::int64_t k() const { return (nd + 9) / 8 * 8; }
  std::int64_t row() const { return std::int64_t(n()) * nd; }
  std::int64_t vol() const { return row() * rows(); }
};

mx::array view(const mx::array& a, const mx::Shape& shape, const mx::Strides& strides, std::int64_t offset,
               mx::Stream s) {
  return mx::as_strided(a, shape, strides, std::size_t(offset), s);
}

// new = C + min(prev, min(lo, hi) + P1, m + P2) - m, or `fixed` where that is >= 0. Traced with
// the ops on `s`; one compiled kernel, living for one call.
CompiledFn make_step_kernel(mx::Stream s) {
  return mx::compile([s](const std::vector<mx::array>& in) {
    const auto &cost = in[0], &prev = in[1], &lo = in[2], &hi = in[3], &m = in[4], &fixed = in[5], &p1 = in[6],
               &p2 = in[7];
    auto best = mx::minimum(mx::minimum(prev, mx::add(mx::minimum(lo, hi, s), p1, s), s), mx::add(m, p2, s), s);
    auto next = mx::add(mx::astype(cost, mx::int16, s), mx::subtract(best, m, s), s);
    return std::vector<mx::array>{mx::where(mx::greater_equal(fixed, mx::array(0, mx::int16), s), fixed, next, s)};
  });
}

// cpx: both volumes at both places (file comment), zero elsewhere.
mx::array cost_buffer(const mx::array& cost, const Layout& lay, mx::Stream s) {
  const int h = lay.h, w = lay.w, nd = lay.nd;
  auto c = mx::expand_dims(mx::astype(cost, mx::uint8, s), 0, s);
  auto rot = mx::slice(c, {0, h - 1, w - 1, 0}, {1, -h - 1, -w - 1, nd}, {1, -1, -1, 1}, s);
  auto cpx = mx::zeros({2, lay.rows(), lay.n(), nd}, mx::uint8, s);
  for (int v = 0; v < 2; ++v) {
    const auto& src = v == 0 ? c : rot;
    cpx = mx::slice_update(cpx, src, mx::Shape{v, kRow0, 1, 0}, mx::Shape{v + 1, kRow0 + h, w + 1, nd}, s);
    cpx = mx::slice_update(cpx, mx::transpose(src, {0, 2, 1, 3}, s), mx::Shape{v, kRow0, w + 3, 0},
                           mx::Shape{v + 1, kRow0 + w, w + 3 + h, nd}, s);
  }
  return mx::flatten(cpx, s);
}

// The state's form over a run of cpx columns [c0, c0 + n): rows3 or swap (file comment); a swap
// state reads row t + row0 of cpx at step t. A sweep runs over both parts, then (once the part
// that needs fewer steps is done) over the other alone, the horizontal paths in the swap form:
// no dead path keeps being computed, except part B's unused rows3 slots while both parts run.
struct Window {
  bool rows3;
  int c0, n, row0;
};

// The pinned values of a state on `win`, [1, 3, n, K] (rows3) or [1, n + 1, K] (swap):
// kBig on the sentinels; rows3 also 0 on the padding columns and on part B's diagonal slots; -1
// where the recurrence decides.
mx::array fixed_values(const Layout& lay, const Window& win) {
  const int slots = win.rows3 ? 3 : 1, n = win.rows3 ? win.n : win.n + 1, k = int(lay.k()), w = lay.w;
  std::vector<std::int16_t> v(std::size_t(slots) * n * k, -1);
  for (int q = 0; q < slots; ++q)
    for (int j = 0; j < n; ++j) {
      std::int16_t* row = &v[(std::size_t(q) * n + j) * k];
      const int c = win.c0 + j;
      const bool pad = c == 0 || c == w + 1 || c == w + 2 || c == lay.n() - 1;
      if (win.rows3 && (pad || (c > w + 1 && q != 1))) std::fill(row, row + k, std::int16_t(0));
      row[0] = kBig;
      std::fill(row + lay.nd + 1, row + k, std::int16_t(kBig));
    }
  return mx::array(v.begin(), win.rows3 ? mx::Shape{1, 3, n, k} : mx::Shape{1, n, k}, mx::int16);
}

// The state, its views for one step, and the add of a new state into acc. The views of the
// previous state are built for the window of the step, from the window that state was computed on.
class Sweep {
 public:
  Sweep(const Layout& lay, mx::Stream s) : lay_(lay), s_(s) {
    const bool rows3 = lay.slots == 3;
    // Steps each part needs: A (the rows), B (the transposed part; one step later in rows3).
    const int a = rows3 ? lay.h + 2 : lay.h, b = rows3 ? lay.w + 1 : lay.w;
    both_ = std::min(a, b);
    if (a > b) rest_ = {rows3, 0, lay.w + 2, kRow0};
    else rest_ = {false, lay.w + 2, lay.h + 2, rows3 ? kRow0 - 1 : kRow0};
    set_window({rows3, 0, lay.n(), kRow0});
    // Every path starts from zeros (the pinned values aside): its first pixel gets L = C.
    auto start = mx::where(mx::greater_equal(fixed_, mx::array(0, mx::int16), s), fixed_, mx::array(0, mx::int16), s);
    flat_ = mx::flatten(mx::broadcast_to(start, shape_, s), s);
    m_ = mx::zeros({rows3 ? 2 * 3 * win_.n : 2 * (win_.n + 1)}, mx::int16, s);
    prev_ = win_;
  }

  // Advances every path by one step and adds the new states into acc. The state is kept both
  // as computed (the min reduces it) and flat (the views read it).
  mx::array step(int t, const mx::array& cpx, const mx::array& acc, const CompiledFn& kernel, const mx::array& p1,
                 const mx::array& p2) {
    if (t > 0) m_ = mx::flatten(mx::min(state_, -1, true, s_), s_);
    if (t == both_) set_window(rest_);
    state_ = kernel({cost_view(t, cpx), prev_view(t, 0), prev_view(t, -1), prev_view(t, 1), min_view(t),
                     fixed_, p1, p2})[0];
    flat_ = mx::flatten(state_, s_);
    prev_ = win_;
    // MLX orders a graph by depth: a step adds 4 levels to the state chain (min, flatten, view,
    // kernel) and 1 to the sums, so it would run the states hundreds of steps ahead of the adds
    // and hold them all (1.3 GB at 1280x720 D=128). Three no-op copies (views that keep the
    // in-place add) keep the two chains abreast. (Starting the evaluation every 16-64 steps
    // instead saved no time on the H100 and took more memory: docs/results/2026-12-07-h100-sgm-sweep.)
    auto sums = acc;
    for (int i = 0; i < 3; ++i) sums = mx::copy(sums, s_);
    return add_into(t, sums);
  }

 private:
  void set_window(const Window& win) {
    win_ = win;
    const int k = int(lay_.k());
    shape_ = win.rows3 ? mx::Shape{2, 3, win.n, k} : mx::Shape{2, win.n + 1, k};
    fixed_ = fixed_values(lay_, win);
  }

  // Where each place of this step's state finds its path in the previous state, in lines (runs
  // of K values): rows3 slot q reads column j + 1 - q of slot q; swap slot s reads the other
  // slot (cpx column j - 1 + s, one column left or right); a swap state first reads a rows3
  // one's slot 1. Strides over the dims of the state but the last, and the first line.
  std::pair<mx::Strides, std::int64_t> prev_lines(int t) const {
    const std::int64_t n = prev_.n, shift = win_.c0 - prev_.c0;
    if (win_.rows3) return {{3 * n, n - 1, 1}, shift + 1};
    if (!prev_.rows3) return {{1 - n, 1}, n + shift};
    if (t % 2 == 0) return {{3 * n + 1, 1}, n + shift - 1};  // volume v in slot v
    return {{1 - 3 * n, 1}, 4 * n + shift - 1};
  }

  // The previous state at (.., k + delta).
  mx::array prev_view(int t, int delta) const {
    auto [lines, base] = prev_lines(t);
    const std::int64_t k = lay_.k();
    for (auto& x : lines) x *= k;
    lines.push_back(1);
    return view(flat_, shape_, lines, base * k + delta, s_);
  }

  // Its min over k.
  mx::array min_view(int t) const {
    auto [lines, base] = prev_lines(t);
    mx::Shape shape = shape_;
    shape.back() = 1;
    lines.push_back(1);
    return view(m_, shape, lines, base, s_);
  }

  // Costs of the pixels the slots hold at step t (the sentinel columns read a neighbour's, unused).
  mx::array cost_view(int t, const mx::array& cpx) const {
    const std::int64_t d = lay_.nd, row = lay_.row(), vol = lay_.vol(), c0 = win_.c0;
    if (win_.rows3)  // slot q: row t + q + 1
      return view(cpx, shape_, {vol, row, d, 1}, (t + 1) * row + c0 * d - 1, s_);
    // Slot s holds volume s ^ (t & 1); its column j is column c0 + j - 1 + s of cpx.
    const std::int64_t base = (t + win_.row0) * row + (c0 - 1) * d - 1;
    if (t % 2 == 0) return view(cpx, shape_, {vol + d, d, 1}, base, s_);
    return view(cpx, shape_, {d - vol, d, 1}, vol + base, s_);
  }

  // acc += the new states (disparity columns only), at the places of their pixels.
  mx::array add_into(int t, const mx::array& acc) const {
    const int nd = lay_.nd, nn = win_.n, c0 = win_.c0;
    const std::int64_t k = lay_.k(), n = nn;
    if (win_.rows3) {
      auto upd = view(flat_, {2, 3, nn, nd}, {3 * n * k, n * k, k, 1}, 1, s_);
      return mx::slice_update_add(acc, upd, {0, t + 1, c0, 0}, {2, t + 4, c0 + nn, nd}, s_);
    }
    // Volume v sits in slot v ^ (t & 1); cpx column c0 + c in its column c + 1 - slot.
    const bool even = t % 2 == 0;
    const int r = t + win_.row0;
    auto upd = view(flat_, {2, 1, nn, nd}, {even ? n * k : -n * k, 1, k, 1}, even ? k + 1 : (n + 1) * k + 1, s_);
    return mx::slice_update_add(acc, upd, {0, r, c0, 0}, {2, r + 1, c0 + nn, nd}, s_);
  }

  Layout lay_;
  mx::Stream s_;
  int both_ = 0;
  Window rest_{}, win_{}, prev_{};
  mx::Shape shape_;
  mx::array fixed_ = mx::array(0), state_ = mx::array(0), flat_ = mx::array(0), m_ = mx::array(0);
};

}  // namespace

mx::array aggregate_paths(const mx::array& cost, const CoreParams& p, mx::Stream s) {
  const Layout lay{cost.shape(0), cost.shape(1), cost.shape(2), p.paths == 8 ? 3 : 1};
  const int h = lay.h, w = lay.w, nd = lay.nd;
  auto cpx = cost_buffer(cost, lay, s);
  auto acc = mx::zeros({2, lay.rows(), lay.n(), nd}, mx::int16, s);

  const CompiledFn kernel = make_step_kernel(s);
  const auto p1 = mx::array(p.p1, mx::int16), p2 = mx::array(p.p2, mx::int16);
  Sweep sweep(lay, s);
  for (int t = 0; t < lay.steps(); ++t) acc = sweep.step(t, cpx, acc, kernel, p1, p2);

  // S = part A + its rotation + part B (transposed) + its rotation.
  acc = mx::flatten(acc, s);
  const std::int64_t d = nd, row = lay.row(), vol = lay.vol();
  const mx::Shape shape{h, w, nd};
  auto a0 = view(acc, shape, {row, d, 1}, kRow0 * row + d, s);
  auto a1 = view(acc, shape, {-row, -d, 1}, vol + (kRow0 + h - 1) * row + w * d, s);
  auto b0 = view(acc, shape, {d, row, 1}, kRow0 * row + (w + 3) * d, s);
  auto b1 = view(acc, shape, {-d, -row, 1}, vol + (kRow0 + w - 1) * row + (w + h + 2) * d, s);
  return mx::add(mx::add(a0, a1, s), mx::add(b0, b1, s), s);
}

}  // namespace robomlx::stereo::detail
