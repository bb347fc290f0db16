// SPDX-License-Identifier: Apache-2.0
// Portable MVMR and VVOR from MLX ops (any device; the parity reference for the twins).
//   MVMR: gather_mm over (input row, tap) pairs without materialising gathered copies, then
//         scatter_add into the outputs, in blocks of triplets that bound the T x M intermediate.
//   VVOR: triplets ordered by output (argsort unless known sorted), then one segmented_mm per
//         group, splitting the inner (triplet) dimension at output boundaries; blocked likewise.
#include <algorithm>

#include <mlx/ops.h>

#include "robomlx/sparse/mvmr_detail.h"

namespace robomlx::sparse::detail {

namespace {
// Elements of intermediate per block (64 MiB of float32): large enough to amortise the
// per-op overhead, small enough that a 1M-triplet call does not double the memory peak.
constexpr int64_t kBlockElements = int64_t{1} << 24;
// MLX's CUDA gather_mm puts the batch (one triplet each) on a grid dimension limited to 65535
// blocks: larger batches fail to launch ("invalid argument"), so blocks stay below it.
constexpr int64_t kMaxBlockTriplets = 65535;

mx::array slice1(const mx::array& x, int t0, int t1) { return mx::slice(x, {t0}, {t1}); }

// Flat (row, group) index into an array reshaped [N * G, ...].
mx::array with_groups(const mx::array& idx, int G) {
  if (G == 1) return idx;
  auto g = mx::arange(G, mx::int32);
  return mx::flatten(mx::add(mx::multiply(mx::expand_dims(idx, 1), mx::array(G, mx::int32)), g));
}
}  // namespace

mx::array mvmr_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order) {
  int K = a.shape(0), G = a.shape(1), C = a.shape(2), M = a.shape(3), N_b = b.shape(0);
  int T = a_idx.size();
  auto acc = accum_dtype(a.dtype());
  auto w = mx::reshape(mx::astype(a, acc), {K * G, C, M});
  auto x = mx::reshape(mx::astype(b, acc), {N_b * G, 1, C});
  auto out = mx::zeros({num_outputs, G, M}, acc);
  // gather_mm is float32-only on CPU; float64 (finite-difference checks) gathers the weights.
  bool gathered = acc != mx::float32;
  int64_t per_triplet = int64_t(G) * (gathered ? int64_t(C) * M : std::max(C, M));
  int block = static_cast<int>(std::clamp<int64_t>(kBlockElements / per_triplet, 1, std::min<int64_t>(T, kMaxBlockTriplets)));
  for (int t0 = 0; t0 < T; t0 += block) {
    int t1 = std::min(T, t0 + block);
    auto li = with_groups(slice1(b_idx, t0, t1), G), ri = with_groups(slice1(a_idx, t0, t1), G);
    auto y = gathered ? mx::matmul(mx::take(x, li, 0), mx::take(w, ri, 0))
                      : mx::gather_mm(x, w, li, ri, order.a_sorted);  // [(t1 - t0) * G, 1, M]
    out = mx::scatter_add(out, slice1(o_idx, t0, t1), mx::reshape(y, {t1 - t0, 1, G, M}), 0);
  }
  return mx::astype(out, a.dtype());
}

mx::array vvor_portable(const mx::array& a, const mx::array& b, const mx::array& a_idx, const mx::array& b_idx,
                        const mx::array& o_idx, int num_outputs, TripletOrder order) {
  int G = a.shape(1), M = a.shape(2), C = b.shape(2);
  int T = a_idx.size();
  auto acc = accum_dtype(a.dtype());
  auto ai = a_idx, bi = b_idx, oi = o_idx;
  if (!order.o_sorted) {
    auto perm = mx::argsort(o_idx);
    ai = mx::take(a_idx, perm);
    bi = mx::take(b_idx, perm);
    oi = mx::take(o_idx, perm);
  }
  auto counts = mx::scatter_add(mx::zeros({num_outputs}, mx::int32), oi, mx::ones({T, 1}, mx::int32), 0);
  auto ends = mx::cumsum(counts);
  auto starts = mx::subtract(ends, counts);
  auto xa = mx::astype(a, acc), xb = mx::astype(b, acc);
  auto out = mx::zeros({num_outputs, G, M, C}, acc);
  int block = static_cast<int>(
      std::clamp<int64_t>(kBlockElements / (int64_t(G) * (M + C)), 1, std::min<int64_t>(T, kMaxBlockTriplets)));
  for (int t0 = 0; t0 < T; t0 += block) {
    int t1 = std::min(T, t0 + block);
    auto lo = mx::array(t0, mx::int32), hi = mx::array(t1, mx::int32);
    auto segments = mx::subtract(mx::stack({mx::clip(starts, lo, hi), mx::clip(ends, lo, hi)}, 1), lo);
    auto ra = mx::take(xa, slice1(ai, t0, t1), 0);  // [tb, G, M]
    auto rb = mx::take(xb, slice1(bi, t0, t1), 0);  // [tb, G, C]
    std::vector<mx::array> parts;
    for (int g = 0; g < G; ++g) {
      auto lhs = mx::transpose(mx::reshape(mx::slice(ra, {0, g, 0}, {t1 - t0, g + 1, M}), {t1 - t0, M}));
      auto rhs = mx::reshape(mx::slice(rb, {0, g, 0}, {t1 - t0, g + 1, C}), {t1 - t0, C});
      parts.push_back(mx::segmented_mm(lhs, rhs, segments));  // [n_o, M, C]
    }
    out = mx::add(out, G == 1 ? mx::expand_dims(parts[0], 1) : mx::stack(parts, 1));
  }
  return mx::astype(out, a.dtype());
}

}  // namespace robomlx::sparse::detail
