// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch and the portable path of hole filling (modes 1/2 by rounds of whole-image
// scans are in hole_filling_rounds.cpp; this file has their row-by-row form, which finishes what
// the rounds' check does not pass).
//
// Values are mapped to order-preserving integer keys K (0 = hole). Mode 0 is one cumulative max of
// indices. Modes 1/2 fill in raster order: a hole takes op (max / min of the non-holes) over
// up-left, up, left (already filled: F) and down-left, down (raw). Unrolled along the row, a hole's
// F is op over its segment (the run of holes back to the last kept pixel, that pixel included) of
// v(c) = op(F_above(c), local(c)): the up-left term of c is the up term of c - 1, or the kept
// pixel's, and left is the scan itself; local(c) is the raw terms from the row below for a hole,
// the key itself for a kept pixel. One cummax/cummin per row does that segmented scan (keys are
// offset per segment). Only F_above depends on the previous row, so everything else is computed
// for all rows at once and a row costs two kernels: a fused elementwise one and the scan.
// No exact log-depth form was found: what a row takes from a row two or more above is op over a
// union of intervals (one per run of holes, broken where two kept pixels meet), up to w/2 of them,
// so composing rows does not stay a fixed-size operation. The rounds instead build a candidate
// from whole-image scans and check it with one step of this recursion for all rows at once.
// Nearest (mode 2) keeps a hole whose up neighbour stays a hole; with keys >= 0 those are the holes
// with only holes above them in their column, known up front (negative floats are outside the
// exact range, see hole_filling.h).
#include "robomlx/depth/hole_filling.h"

#include <algorithm>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/hole_filling_internal.h"
#include "robomlx/depth/hole_filling_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.hole_filling";
using detail::run_fused;
// Keys are int32-ranged. Scanned values span [-2^31, 2^32] (nearest) or [0, 2^32) (farest, biased),
// so segments offset by kSegment never overlap.
constexpr int64_t kSegment = int64_t{1} << 33;
constexpr int64_t kBias = int64_t{1} << 31;   // biased keys are >= 0
constexpr int64_t kInf = int64_t{1} << 32;    // above every key: "no value" (nearest), no bound (farest)
// Rounds of whole-image scans before the check (hole_filling_rounds.cpp): the standard chain at
// 1280x720 needs 9, the golden frames up to 12 (docs/results/2026-12-07-cpu-chain-lazy); rows from
// a failed check on go row by row.
constexpr int kRounds = 12;

mx::array i64(int64_t v) { return mx::array(v, mx::int64); }

mx::array fill_from_left(const mx::array& x, mx::Stream s) {
  int w = x.shape(1);
  auto idx = mx::reshape(mx::arange(w, mx::int32, s), {1, w}, s);
  auto hole = mx::equal(detail::hole_keys(x, mx::int64, s), i64(0), s);
  auto source = mx::cummax(mx::where(hole, mx::array(0, mx::int32), idx, s), 1, false, true, s);
  return mx::take_along_axis(x, source, 1, s);
}

mx::array nz(const mx::array& k, mx::StreamOrDevice s) { return mx::where(mx::equal(k, i64(0), s), i64(kInf), k, s); }

// {K [h, w]} -> for rows 1..h-2 (the processed ones), m = h-2 rows each:
//   kept:  the pixel keeps its key (not filled);
//   local: its scan value from this row and the row below;
//   off:   the segment offset (farest adds it before a cummax, nearest subtracts it before a cummin);
//   bound: turns the row's scan S into what the next row reads as F_above: min(S - off, bound)
//          (farest: kept pixels give their key), max(S + off, bound) (nearest: kept pixels give their
//          key or, if a hole, kInf, which reads like a hole; column 0 always kInf, its up-left
//          term for column 1 being folded into local).
template <bool farest>
std::vector<mx::array> around_terms(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto& k = in[0];
  const int h = k.shape(0), w = k.shape(1);
  auto rows = [&](int r0, int r1) { return mx::slice(k, {r0, 0}, {r1, w}, s); };
  auto cur = rows(1, h - 1), up = rows(0, h - 2), down = rows(2, h);
  auto down_left = mx::pad(mx::slice(down, {0, 0}, {h - 2, w - 1}, s), {{0, 0}, {1, 0}}, i64(0), "constant", s);
  auto col0 = mx::equal(mx::reshape(mx::arange(w, mx::int32, s), {1, w}, s), mx::array(0, mx::int32), s);
  auto hole = mx::logical_and(mx::equal(cur, i64(0), s), mx::logical_not(col0, s), s);
  auto seg = [&](const mx::array& kept) { return mx::cumsum(mx::astype(kept, mx::int64, s), 1, false, true, s); };
  if (farest) {
    auto off = mx::add(mx::multiply(seg(mx::logical_not(hole, s)), i64(kSegment), s), i64(kBias), s);
    return {mx::logical_not(hole, s), mx::where(hole, mx::maximum(down_left, down, s), cur, s), off,
            mx::where(hole, i64(kInf), cur, s)};
  }
  // Nearest: a hole stays one when only holes are above it (see the top of the file).
  auto valid_above = mx::cummax(mx::astype(mx::not_equal(k, i64(0), s), mx::int32, s), 0, false, false, s);
  auto live = mx::logical_and(hole, mx::not_equal(mx::slice(valid_above, {1, 0}, {h - 1, w}, s), mx::array(0), s), s);
  auto kept_local = mx::where(col0, mx::minimum(nz(cur, s), nz(up, s), s), nz(cur, s), s);
  auto off = mx::multiply(seg(mx::logical_not(live, s)), i64(kSegment), s);
  return {mx::logical_not(live, s), mx::where(live, mx::minimum(nz(down_left, s), nz(down, s), s), kept_local, s), off,
          mx::where(live, i64(-kInf), mx::where(col0, i64(kInf), cur, s), s)};
}

// One row: {F_{y-1} carrier, off_{y-1}, bound_{y-1}, local_y, off_y} -> {v_y}. The first row gets
// {K_0, local_1, off_1}: its row above is raw.
std::vector<mx::array> farest_row(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto above = in.size() == 3 ? in[0] : mx::minimum(mx::subtract(in[0], in[1], s), in[2], s);
  return {mx::add(mx::maximum(above, in[in.size() - 2], s), in.back(), s)};
}

std::vector<mx::array> nearest_row(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto above = in.size() == 3 ? in[0] : mx::maximum(mx::add(in[0], in[1], s), in[2], s);
  return {mx::subtract(mx::minimum(nz(above, s), in[in.size() - 2], s), in.back(), s)};
}

// {S [m, w], kept, off, K rows 1..h-2} -> filled keys.
template <bool farest>
std::vector<mx::array> finish_rows(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto filled = farest ? mx::subtract(in[0], in[2], s) : mx::add(in[0], in[2], s);
  return {mx::where(in[1], in[3], filled, s)};
}

// The rows of x as [1, w] views. mx::split makes one graph node for at most 10 pieces (one slice
// node each beyond), so the rows come from a tree of splits: ~m/9 nodes instead of m.
void split_rows(const mx::array& x, std::vector<mx::array>& rows, mx::Stream s) {
  const int n = x.shape(0);
  if (n == 1) {
    rows.push_back(x);
    return;
  }
  const int pieces = std::min(n, 10), size = (n + pieces - 1) / pieces;
  mx::Shape at;
  for (int i = size; i < n; i += size) at.push_back(i);
  for (const auto& part : mx::split(x, at, 0, s)) split_rows(part, rows, s);
}

std::vector<mx::array> split_rows(const mx::array& x, mx::Stream s) {
  std::vector<mx::array> rows;
  split_rows(x, rows, s);
  return rows;
}

// Row by row: rows 1..h-2, each from the filled row above (row 0 as it is).
template <bool farest>
mx::array fill_rows(const mx::array& x, mx::Stream s) {
  const int h = x.shape(0), w = x.shape(1);
  const auto keys = detail::hole_keys(x, mx::int64, s);
  const auto t = run_fused<around_terms<farest>>({keys}, s);
  const int m = h - 2;
  const auto local = split_rows(t[1], s), off = split_rows(t[2], s), bound = split_rows(t[3], s);
  const auto step = farest ? run_fused<farest_row> : run_fused<nearest_row>;
  std::vector<mx::array> scanned;
  for (int i = 0; i < m; ++i) {
    const auto v = i == 0 ? step({mx::slice(keys, {0, 0}, {1, w}, s), local[0], off[0]}, s)
                          : step({scanned.back(), off[i - 1], bound[i - 1], local[i], off[i]}, s);
    scanned.push_back(farest ? mx::cummax(v[0], 1, false, true, s) : mx::cummin(v[0], 1, false, true, s));
  }
  const auto mid_keys = mx::slice(keys, {1, 0}, {h - 1, w}, s);
  const auto mid = run_fused<finish_rows<farest>>({mx::concatenate(scanned, 0, s), t[0], t[2], mid_keys}, s)[0];
  const auto filled = detail::from_hole_keys(mid, x.dtype(), s);
  return mx::concatenate({mx::slice(x, {0, 0}, {1, w}, s), filled, mx::slice(x, {h - 1, 0}, {h, w}, s)}, 0, s);
}
// By rounds of whole-image scans and one check (hole_filling_rounds.cpp); rows from the first one
// the check failed on, if any, row by row from the exact row above them. Nearest's holes with only
// holes above them are found from that row as from the whole image: it is a hole exactly there.
template <bool farest>
mx::array fill_around(const mx::array& x, mx::Stream s) {
  const int h = x.shape(0), w = x.shape(1);
  if (h < 3 || w < 2) return x;
  const auto r = detail::hole_filling_rounds(x, farest, std::max(1, detail::hole_filling_round_count()), s);
  if (r.exact_rows >= h) return r.image;
  auto rows = [&](const mx::array& a, int r0, int r1) { return mx::slice(a, {r0, 0}, {r1, w}, s); };
  const int y0 = r.exact_rows;
  const auto below = fill_rows<farest>(mx::concatenate({rows(r.image, y0 - 1, y0), rows(x, y0, h)}, 0, s), s);
  return mx::concatenate({rows(r.image, 0, y0), rows(below, 1, h - y0 + 1)}, 0, s);
}
}  // namespace

void HoleFillingOptions::validate() const { check_range(kTag, "holes_fill", mode, 0, 2); }

namespace detail {
mx::array hole_keys(const mx::array& x, mx::Dtype dtype, mx::StreamOrDevice s) {
  if (x.dtype() == mx::uint16) return mx::astype(x, dtype, s);
  auto b = mx::view(x, mx::int32, s);
  auto flipped = mx::bitwise_xor(b, mx::array(0x7fffffff, mx::int32), s);
  return mx::astype(mx::where(mx::less(b, mx::array(0, mx::int32), s), flipped, b, s), dtype, s);
}

mx::array from_hole_keys(const mx::array& k, mx::Dtype dtype, mx::StreamOrDevice s) {
  if (dtype == mx::uint16) return mx::astype(k, mx::uint16, s);
  auto b = mx::astype(k, mx::int32, s);
  auto flipped = mx::bitwise_xor(b, mx::array(0x7fffffff, mx::int32), s);
  return mx::view(mx::where(mx::less(b, mx::array(0, mx::int32), s), flipped, b, s), mx::float32, s);
}

int& hole_filling_round_count() {
  thread_local int rounds = kRounds;
  return rounds;
}

mx::array hole_filling_portable(const mx::array& image, int mode, mx::Stream s) {
  if (mode == 0) return fill_from_left(image, s);
  return mode == 1 ? fill_around<true>(image, s) : fill_around<false>(image, s);
}
}  // namespace detail

mx::array hole_filling(const mx::array& image, const HoleFillingOptions& options, mx::StreamOrDevice s) {
  options.validate();
  check_ndim(kTag, "image", image, 2);
  check_dtype(kTag, "image", image, {mx::uint16, mx::float32});
  const mx::Stream stream = op_stream(s);
  const bool metal = detail::hole_filling_metal_supports(options.mode) && metal_twin_usable(kTag);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal})) {
    case Impl::cpu: return detail::hole_filling_cpu(image, options.mode, stream);
    case Impl::cuda: return detail::hole_filling_gpu(image, options.mode, stream);
    case Impl::metal:
      if (auto r = try_metal_twin(kTag, [&] { return detail::hole_filling_gpu(image, options.mode, stream); })) return *r;
      [[fallthrough]];
    default: return detail::hole_filling_portable(image, options.mode, stream);
  }
}

}  // namespace robomlx::depth
