// SPDX-License-Identifier: Apache-2.0
// Modes 1/2 of hole filling's portable path by rounds of whole-image scans (hole_filling_internal.h).
//
// Upstream fills in raster order: a hole (rows 1..h-2, columns >= 1) takes op over up-left, up,
// left (already filled) and down-left, down (raw). Mode 2 (nearest: min of the non-holes) is mode 1
// (farest: max) on values u = -key, a hole being u = -inf, except for the holes with only holes
// above them, which stay holes (they are fixed, like kept pixels; hole_filling.cpp); so below, op
// is max and "holes" are the ones filled (live). Row by row that is two kernels a row
// (hole_filling.cpp); here the whole image is filled at once:
//
// The check. Row by row, row y is F_y = Phi_y(F_{y-1}) (row 0 is kept): one segmented max scan of
// the row from the row above (Phi, the same maps as the row-by-row form). Any image E with
// E_y = Phi_y(E_{y-1}) for every row is therefore that result, bit for bit (induction from row 0):
// one Phi of all rows at once, from E shifted down a row (two kernels and a compare), checks a
// candidate E; where it fails, every row above the first failing one is still exact.
//
// The candidate. Filled values flow into a hole from its left, up and up-left, and never decrease
// along such a move: so each round takes, for every hole, the max along its run of holes down its
// column, down its diagonal (down-right) and then along its row (segmented scans whose segments
// start at each pixel that is not filled), plus the raw terms from the row below. Every value is
// one that the hole's filled value bounds, so rounds only climb towards the result, and reach it
// once the longest chain of moves that change direction has been followed: 9 rounds for the
// standard chain at 1280x720, up to 12 for the golden frames (docs/results/2026-12-07-cpu-chain-
// lazy), each 5 kernels: 2 fused elementwise and 3 scans, whatever the image size.
//
// Layout. The diagonal scan needs no copy: a buffer of r (r + 1) q values is a grid of r columns
// (the image, transposed when wider than tall so that r is the short side, then rows of pixels
// that are never filled) and, viewed with r + 1 columns, the grid's diagonals are its columns.
// Where a diagonal leaves the grid's last column it wraps to column 0 two rows down: the image's
// first column or row, never filled, so that restarts the segment.
//
// Values: int32 for uint16 images (keys < 2^16), int64 for float32. A segment's values are offset
// by seg * kSeg + kBias (seg: pixels not filled so far along the scan), kSeg above any value span.
#include <algorithm>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/hole_filling_internal.h"

namespace robomlx::depth::detail {

namespace {

struct Range {
  int64_t seg, bias, inf;  // segment step, bias (values + bias >= 0), "no value" (|u| <= inf)
};
Range range_of(mx::Dtype t) {
  return t == mx::int32 ? Range{int64_t{1} << 18, int64_t{1} << 17, int64_t{1} << 16}
                        : Range{int64_t{1} << 34, int64_t{1} << 33, int64_t{1} << 32};
}
mx::array c(int64_t v, mx::Dtype t) { return mx::array(v, t); }
// Marks pixels that are not filled in the raw-terms array (outside every value).
mx::array not_filled(mx::Dtype t) { return c(2 * range_of(t).inf, t); }
mx::array offset(const mx::array& seg, mx::Dtype t, mx::StreamOrDevice s) {
  const auto r = range_of(t);
  return mx::add(mx::multiply(mx::astype(seg, t, s), c(r.seg, t), s), c(r.bias, t), s);
}

// The value type: int32 where a uint16 image's values and offsets fit (lines below 8000), else int64.
mx::Dtype value_type(const mx::array& image) {
  return image.dtype() == mx::uint16 && std::max(image.shape(0), image.shape(1)) < 4000 ? mx::int32 : mx::int64;
}

// {image} -> {u}: the key (farest) or -key, holes -inf (nearest).
template <bool farest>
std::vector<mx::array> values(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = value_type(in[0]);
  auto k = hole_keys(in[0], t, s);
  if (farest) return {k};
  return {mx::negative(mx::where(mx::equal(k, c(0, t), s), c(range_of(t).inf, t), k, s), s)};
}

// {u} -> {1 where u is a value (not a hole), as int32} (nearest: a running max of it down each
// column says which holes are filled).
std::vector<mx::array> nonempty(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  return {mx::astype(mx::not_equal(in[0], c(-range_of(t).inf, t), s), mx::int32, s)};
}

// Pixels rows 1..h-2, columns 1..w-1: {u, down-left u, down u(, filled above)} -> {raw terms}:
// max(down-left, down) where the pixel is filled, else not_filled.
template <bool farest>
std::vector<mx::array> raw_terms(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  auto filled = mx::equal(in[0], farest ? c(0, t) : c(-range_of(t).inf, t), s);
  if (!farest) filled = mx::logical_and(filled, mx::not_equal(in[3], mx::array(0, mx::int32), s), s);
  return {mx::where(filled, mx::maximum(in[1], in[2], s), not_filled(t), s)};
}

// {raw terms} -> {1 where the pixel is not filled: a segment starts there}.
std::vector<mx::array> resets(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {mx::astype(mx::equal(in[0], not_filled(in[0].dtype()), s), mx::int32, s)};
}

// {E source(, its seg), seg down, seg diagonal} -> {column scan input, diagonal scan input}. The
// second adds 0 * the first (exactly 0) so that one kernel yields both (MLX grows a fused kernel
// from one output and takes another along only if the first depends on it).
std::vector<mx::array> spread(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  const bool first = in.size() == 3;
  auto e = first ? in[0] : mx::subtract(in[0], offset(in[1], t, s), s);
  auto down = mx::add(e, offset(in[in.size() - 2], t, s), s);
  auto diagonal = mx::add(mx::add(e, offset(in.back(), t, s), s), mx::multiply(down, c(0, t), s), s);
  return {diagonal, down};
}

// {column scan, seg down, diagonal scan, seg diagonal, u, raw terms, seg row} -> {row scan input}:
// a filled pixel's max over its column and diagonal runs and its raw terms, others their u.
std::vector<mx::array> gather_row(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  auto best = mx::maximum(mx::subtract(in[0], offset(in[1], t, s), s), mx::subtract(in[2], offset(in[3], t, s), s), s);
  auto filled = mx::not_equal(in[5], not_filled(t), s);
  auto v = mx::where(filled, mx::maximum(best, in[5], s), in[4], s);
  return {mx::add(v, offset(in[6], t, s), s)};
}

// Rows 1..h-2, image orientation: {row scan of the row above, its seg, u, raw terms, seg} ->
// {Phi's row scan input}: up and the pixel's own term (raw terms if filled, else u); a pixel not
// filled passes its up on to the next hole as that hole's up-left.
std::vector<mx::array> phi_in(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  auto up = mx::subtract(in[0], offset(in[1], t, s), s);
  auto own = mx::where(mx::not_equal(in[3], not_filled(t), s), in[3], in[2], s);
  return {mx::add(mx::maximum(up, own, s), offset(in[4], t, s), s)};
}

// {Phi's scan, seg, the candidate's row scan, u, raw terms} -> {Phi != candidate}.
std::vector<mx::array> differs(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  auto off = offset(in[1], t, s);
  auto phi = mx::where(mx::not_equal(in[4], not_filled(t), s), mx::subtract(in[0], off, s), in[3], s);
  return {mx::not_equal(phi, mx::subtract(in[2], off, s), s)};
}

// {row scan, seg, u} -> {the image}. Adding 0 * u (exactly 0) lays the result out as u, row by row,
// as the caller's image, not as the transposed grid the scans leave.
template <bool farest, bool z16>
std::vector<mx::array> image_of(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto t = in[0].dtype();
  auto e = mx::add(mx::subtract(in[0], offset(in[1], t, s), s), mx::multiply(in[2], c(0, t), s), s);
  if (!farest) e = mx::where(mx::equal(e, c(-range_of(t).inf, t), s), c(0, t), mx::negative(e, s), s);
  return {from_hole_keys(e, z16 ? mx::uint16 : mx::float32, s)};
}

// The image in the flat buffer (see the top of the file).
struct Grid {
  int h, w, r, rows;
  bool tr;  // transposed: grid rows are image columns
  int row_axis() const { return tr ? 0 : 1; }  // along an image row
  int col_axis() const { return tr ? 1 : 0; }  // down an image column
  mx::array grid(const mx::array& flat, mx::Stream s) const { return mx::reshape(flat, {rows, r}, s); }
  mx::array diagonals(const mx::array& flat, mx::Stream s) const {
    return mx::reshape(flat, {rows * r / (r + 1), r + 1}, s);
  }
  // Image rows [y0, y0 + img rows), columns [x0, x0 + img columns) -> flat, the rest set to `fill`.
  mx::array embed(const mx::array& img, const mx::array& fill, mx::Stream s, int y0 = 0, int x0 = 0) const {
    auto g = tr ? mx::transpose(img, s) : img;
    const int i0 = tr ? x0 : y0, j0 = tr ? y0 : x0;
    return mx::reshape(mx::pad(g, {{i0, rows - i0 - g.shape(0)}, {j0, r - j0 - g.shape(1)}}, fill, "constant", s), {-1},
                       s);
  }
  // flat -> [h, w] view.
  mx::array image(const mx::array& flat, mx::Stream s) const {
    auto g = grid(flat, s);
    return tr ? mx::transpose(mx::slice(g, {0, 0}, {w, h}, s), s) : mx::slice(g, {0, 0}, {h, w}, s);
  }
};

Grid grid_for(int h, int w) {
  Grid g{h, w, std::min(h, w), 0, w > h};
  const int extent = g.tr ? w : h, q = (extent + g.r) / (g.r + 1);
  g.rows = q * (g.r + 1);
  return g;
}

mx::array rows_of(const mx::array& x, int r0, int r1, mx::Stream s) {
  return mx::slice(x, {r0, 0}, {r1, x.shape(1)}, s);
}

}  // namespace

RoundsFill hole_filling_rounds(const mx::array& image, bool farest, int rounds, mx::Stream s) {
  const int h = image.shape(0), w = image.shape(1);
  const auto t = value_type(image);
  const Grid g = grid_for(h, w);
  const auto u = (farest ? run_fused<values<true>> : run_fused<values<false>>)({image}, s)[0];
  auto part = [&](const mx::array& x, int r0, int r1, int c0, int c1) { return mx::slice(x, {r0, c0}, {r1, c1}, s); };
  // Raw terms of rows 1..h-2, columns 1..w-1, then into the grid.
  std::vector<mx::array> in = {part(u, 1, h - 1, 1, w), part(u, 2, h, 0, w - 1), part(u, 2, h, 1, w)};
  if (!farest) {  // filled only below a non-hole: a running max down each column
    in.push_back(part(mx::cummax(run_fused<nonempty>({u}, s)[0], 0, false, true, s), 1, h - 1, 1, w));
  }
  const auto raw = (farest ? run_fused<raw_terms<true>> : run_fused<raw_terms<false>>)(in, s)[0];
  const auto ug = g.embed(u, c(0, t), s), rawg = g.embed(raw, not_filled(t), s, 1, 1);
  const auto reset = run_fused<resets>({rawg}, s)[0];
  const auto seg_row = mx::reshape(mx::cumsum(g.grid(reset, s), g.row_axis(), false, true, s), {-1}, s);
  const auto seg_down = mx::reshape(mx::cumsum(g.grid(reset, s), g.col_axis(), false, true, s), {-1}, s);
  const auto seg_diag = mx::reshape(mx::cumsum(g.diagonals(reset, s), 0, false, true, s), {-1}, s);
  // Rounds: column and diagonal runs (one kernel for both inputs), then rows.
  mx::array row_scan = ug;
  for (int k = 0; k < rounds; ++k) {
    auto ins = k == 0 ? run_fused<spread>({ug, seg_down, seg_diag}, s)
                      : run_fused<spread>({row_scan, seg_row, seg_down, seg_diag}, s);
    auto down = mx::reshape(mx::cummax(g.grid(ins[1], s), g.col_axis(), false, true, s), {-1}, s);
    auto diag = mx::reshape(mx::cummax(g.diagonals(ins[0], s), 0, false, true, s), {-1}, s);
    auto v = run_fused<gather_row>({down, seg_down, diag, seg_diag, ug, rawg, seg_row}, s)[0];
    row_scan = mx::reshape(mx::cummax(g.grid(v, s), g.row_axis(), false, true, s), {-1}, s);
  }
  // The check: Phi of rows 1..h-2 from the candidate's rows 0..h-3.
  const auto scan_img = g.image(row_scan, s), seg_img = g.image(seg_row, s);
  const auto u_mid = rows_of(u, 1, h - 1, s), raw_mid = rows_of(g.image(rawg, s), 1, h - 1, s);
  const auto seg_mid = rows_of(seg_img, 1, h - 1, s);
  auto phi = run_fused<phi_in>({rows_of(scan_img, 0, h - 2, s), rows_of(seg_img, 0, h - 2, s), u_mid, raw_mid, seg_mid}, s)[0];
  phi = mx::cummax(phi, 1, false, true, s);
  auto bad = run_fused<differs>({phi, seg_mid, rows_of(scan_img, 1, h - 1, s), u_mid, raw_mid}, s)[0];
  auto bad_rows = mx::any(bad, 1, false, s);
  const bool z16 = image.dtype() == mx::uint16;
  auto to_image = farest ? (z16 ? run_fused<image_of<true, true>> : run_fused<image_of<true, false>>)
                         : (z16 ? run_fused<image_of<false, true>> : run_fused<image_of<false, false>>);
  auto out = to_image({scan_img, seg_img, u}, s)[0];
  portable_sync({bad_rows});  // the image stays in the caller's graph
  const bool* flags = bad_rows.data<bool>();
  int exact = h;
  for (int i = 0; i < h - 2; ++i)
    if (flags[i]) {
      exact = i + 1;
      break;
    }
  return {out, exact};
}

}  // namespace robomlx::depth::detail
