// SPDX-License-Identifier: Apache-2.0
// Portable SGM path aggregation as a batched wavefront: each step of the recurrence advances a
// group of paths at once with three MLX ops (the min over disparities, one compiled elementwise
// kernel, one in-place add into the sum); every other access is a strided view. The rows group
// takes H + 2 steps and the columns group W, so a frame costs about 3 (H + W) launches.
//
// Layout. The cost volume and its 180-degree rotation (volume v = 1, in which every path runs in
// the opposite direction) sit in one zero-padded buffer cp [2, H + 4, W + 2, D + 2]: pixel
// (y, x, d) of volume v is cp[v, y + 2, x + 1, d + 1]. The sum accumulates at the same places of
// acc (same shape; only its D inner columns are written, so each added run of D values is
// contiguous on both sides, which MLX's CPU slice add needs to vectorise); S = acc[0] +
// rot180(acc[1]). A path state row holds D + 2 values, the D path costs between two sentinels
// (kBig), so that the neighbours k - 1 and k + 1 are the same state read one element off.
//
// Two kinds of group (Group below):
//  * rows3 (8 paths): the two diagonals and the vertical path of both volumes, state
//    [2, 3, W + 2, D + 2]; slot q reads the previous row at column j + 1 - q. Slot q runs image
//    row t - 2 + q at step t, so the three slots of a step read three consecutive rows of cp and
//    add into three consecutive rows of acc (one slice each). A diagonal that leaves the image
//    reads column W + 1 of slot 0 or column 0 of slot 2, which are computed from the pad columns
//    of the vertical slot: zero cost and zero state forever, so they hold zeros, a path start.
//  * swap: one straight path in each volume, state [2, L + 1, D + 2] (L pixels per line). The two
//    volumes trade slots every step: slot 0 reads slot 1 one column left, slot 1 reads slot 0 one
//    column right, so a path alternates between columns i + 1 and i and never drifts. Vertical
//    paths with 4 paths (along rows, H steps); horizontal paths always (along columns, W steps).
// In both kinds every offset view stays inside its buffer: the slot read one column (or one
// sentinel) past its end precedes in memory the slot read one column back.
#include <algorithm>
#include <cstdint>
#include <functional>

#include <mlx/compile.h>
#include <mlx/ops.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
// Sentinel disparity neighbour: above any m + P2 (<= cost_max + 4000) and still in int16 after
// + P1 (<= 1000). Path costs and their sum fit int16 by the option limits
// (S <= 8 * (cost_max + P2) < 32767), which halves the memory of this path.
constexpr int kBig = 16000;

using CompiledStep = std::function<std::vector<mx::array>(const std::vector<mx::array>&)>;

enum class GroupKind { rows3, swap };

// Sizes of the cost volume and the strides of cp (in elements).
struct Layout {
  int h, w, nd;
  std::int64_t cp_row() const { return std::int64_t(w + 2) * (nd + 2); }
  std::int64_t cp_vol() const { return cp_row() * (h + 4); }
};

// new = C + min(prev, min(lo, hi) + P1, m + P2) - m, kBig on the sentinel columns. Traced with
// the ops on `s`; one compiled kernel per group shape, living for one call.
CompiledStep make_step_kernel(mx::Stream s) {
  return mx::compile([s](const std::vector<mx::array>& in) {
    const auto &cost = in[0], &prev = in[1], &lo = in[2], &hi = in[3], &m = in[4], &edge = in[5], &p1 = in[6],
               &p2 = in[7];
    auto best = mx::minimum(mx::minimum(prev, mx::add(mx::minimum(lo, hi, s), p1, s), s), mx::add(m, p2, s), s);
    auto next = mx::add(cost, mx::subtract(best, m, s), s);
    return std::vector<mx::array>{mx::where(edge, mx::array(kBig, mx::int16), next, s)};
  });
}

mx::array view(const mx::array& flat, const mx::Shape& shape, const mx::Strides& strides, std::int64_t offset,
               mx::Stream s) {
  return mx::as_strided(flat, shape, strides, std::size_t(offset), s);
}

// True on the two sentinel columns of a state row [D + 2].
mx::array sentinel_columns(int nd) {
  std::vector<bool> v(nd + 2, false);
  v.front() = v.back() = true;
  return mx::array(v.begin(), {nd + 2}, mx::bool_);
}

// Paths advanced together (see the file comment). The views of each step are built from the
// strides of the flat state, cp and acc.
class Group {
 public:
  Group(const Layout& lay, GroupKind kind, bool along_rows, mx::Stream s)
      : lay_(lay), kind_(kind), along_rows_(along_rows), s_(s) {
    const int k = lay.nd + 2;
    if (kind == GroupKind::rows3) {
      n_ = lay.w + 2;
      steps_ = lay.h + 2;
      shape_ = {2, 3, n_, k};
    } else {
      n_ = (along_rows ? lay.w : lay.h) + 1;
      steps_ = along_rows ? lay.h : lay.w;
      shape_ = {2, n_, k};
    }
    edge_ = sentinel_columns(lay.nd);
    auto zero = mx::where(edge_, mx::array(kBig, mx::int16), mx::array(0, mx::int16), s);  // path start
    state_ = mx::flatten(mx::broadcast_to(zero, shape_, s), s);
  }

  int steps() const { return steps_; }

  // Advances every path of the group by one step and adds the new states into acc.
  mx::array step(int t, const mx::array& cp_flat, const mx::array& acc, const CompiledStep& kernel,
                 const mx::array& p1, const mx::array& p2) {
    auto m = mx::flatten(mx::min(mx::reshape(state_, shape_, s_), -1, true, s_), s_);
    auto next = kernel({cost_view(t, cp_flat), prev_view(0), prev_view(-1), prev_view(1), min_view(m), edge_, p1, p2})[0];
    state_ = mx::flatten(next, s_);
    return add_into(t, acc);
  }

 private:
  std::int64_t k() const { return lay_.nd + 2; }

  mx::Strides state_strides() const {
    const std::int64_t n = n_, kk = k();
    if (kind_ == GroupKind::rows3) return {3 * n * kk, (n - 1) * kk, kk, 1};
    return {(2 - n) * kk, kk, 1};
  }

  // prev at (slot, j, k + delta): rows3 reads column j + 1 - q; swap reads the other slot.
  mx::array prev_view(int delta) const {
    const std::int64_t n = n_, kk = k();
    const std::int64_t base = kind_ == GroupKind::rows3 ? kk : n * kk - kk;
    return view(state_, shape_, state_strides(), base + delta, s_);
  }

  mx::array min_view(const mx::array& m) const {
    const std::int64_t n = n_;
    if (kind_ == GroupKind::rows3) return view(m, {2, 3, n_, 1}, {3 * n, n - 1, 1, 1}, 1, s_);
    return view(m, {2, n_, 1}, {2 - n, 1, 1}, n - 1, s_);
  }

  mx::array cost_view(int t, const mx::array& cp_flat) const {
    const std::int64_t kk = k(), vol = lay_.cp_vol(), row = lay_.cp_row();
    if (kind_ == GroupKind::rows3)  // slot q: row t - 2 + q of the image, padded row t + q
      return view(cp_flat, shape_, {vol, row, kk, 1}, t * row, s_);
    // Slot s holds volume s ^ (t & 1); its pixel i (along the line) is at column j = i + 1 - s.
    const std::int64_t is = along_rows_ ? kk : row, ts = along_rows_ ? row : kk;
    const std::int64_t ipad = along_rows_ ? 1 : 2, tpad = along_rows_ ? 2 : 1;
    const std::int64_t base = (ipad - 1) * is + (t + tpad) * ts;
    if (t % 2 == 0) return view(cp_flat, shape_, {vol + is, is, 1}, base, s_);
    return view(cp_flat, shape_, {is - vol, is, 1}, vol + base, s_);
  }

  // acc += the new states (disparity columns only), at the pixels they belong to.
  mx::array add_into(int t, const mx::array& acc) const {
    const int nd = lay_.nd;
    const std::int64_t n = n_, kk = k();
    if (kind_ == GroupKind::rows3) {
      auto upd = view(state_, {2, 3, n_, nd}, {3 * n * kk, n * kk, kk, 1}, 1, s_);
      return mx::slice_update_add(acc, upd, {0, t, 0, 1}, {2, t + 3, n_, nd + 1}, s_);
    }
    const int len = n_ - 1;
    // Volume v sits in slot v ^ (t & 1); its pixel i in column i + 1 - slot.
    const mx::Strides line = t % 2 == 0 ? mx::Strides{n * kk - kk, kk, 1} : mx::Strides{kk - n * kk, kk, 1};
    const std::int64_t base = t % 2 == 0 ? kk + 1 : n * kk + 1;
    if (along_rows_) {  // vertical path: row t of the image
      auto upd = view(state_, {2, 1, len, nd}, {line[0], 1, line[1], 1}, base, s_);
      return mx::slice_update_add(acc, upd, {0, t + 2, 1, 1}, {2, t + 3, len + 1, nd + 1}, s_);
    }
    auto upd = view(state_, {2, len, 1, nd}, {line[0], line[1], 1, 1}, base, s_);  // column t
    return mx::slice_update_add(acc, upd, {0, 2, t + 1, 1}, {2, len + 2, t + 2, nd + 1}, s_);
  }

  Layout lay_;
  GroupKind kind_;
  bool along_rows_;
  mx::Stream s_;
  int n_ = 0, steps_ = 0;
  mx::Shape shape_;
  mx::array edge_ = mx::array(0), state_ = mx::array(0);
};

}  // namespace

mx::array aggregate_paths(const mx::array& cost, const CoreParams& p, mx::Stream s) {
  const Layout lay{cost.shape(0), cost.shape(1), cost.shape(2)};
  const int h = lay.h, w = lay.w, nd = lay.nd;
  auto c = mx::astype(cost, mx::int16, s);
  auto rot = mx::slice(c, {h - 1, w - 1, 0}, {-h - 1, -w - 1, nd}, {-1, -1, 1}, s);
  auto cp = mx::zeros({2, h + 4, w + 2, nd + 2}, mx::int16, s);
  cp = mx::slice_update(cp, mx::expand_dims(c, 0, s), mx::Shape{0, 2, 1, 1}, mx::Shape{1, h + 2, w + 1, nd + 1}, s);
  cp = mx::slice_update(cp, mx::expand_dims(rot, 0, s), mx::Shape{1, 2, 1, 1}, mx::Shape{2, h + 2, w + 1, nd + 1}, s);
  auto cp_flat = mx::flatten(cp, s);
  auto acc = mx::zeros({2, h + 4, w + 2, nd + 2}, mx::int16, s);

  const CompiledStep kernel = make_step_kernel(s);
  const auto p1 = mx::array(p.p1, mx::int16), p2 = mx::array(p.p2, mx::int16);
  std::vector<Group> groups;
  if (p.paths == 8) groups.emplace_back(lay, GroupKind::rows3, true, s);
  else groups.emplace_back(lay, GroupKind::swap, true, s);
  groups.emplace_back(lay, GroupKind::swap, false, s);
  int steps = 0;
  for (const auto& g : groups) steps = std::max(steps, g.steps());
  for (int t = 0; t < steps; ++t)
    for (auto& g : groups)
      if (t < g.steps()) acc = g.step(t, cp_flat, acc, kernel, p1, p2);

  auto fwd = mx::slice(acc, {0, 2, 1, 1}, {1, h + 2, w + 1, nd + 1}, s);
  auto back = mx::slice(acc, {1, h + 1, w, 1}, {0, 1, 0, nd + 1}, {-1, -1, -1, 1}, s);
  return mx::reshape(mx::add(fwd, back, s), {h, w, nd}, s);
}

}  // namespace robomlx::stereo::detail
