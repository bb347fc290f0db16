// SPDX-License-Identifier: Apache-2.0
// Log-depth affine scan (line_scan_internal.h).
#include "robomlx/depth/line_scan_internal.h"

#include <cmath>

#include <mlx/ops.h>

#include "robomlx/depth/fused_internal.h"

namespace robomlx::depth::detail {

namespace {

// Kernels per scan fall as the taps grow, while the arithmetic per sample grows as t / ln t and
// every tap is one more slice (a graph node, no kernel). A step must stay one fused kernel: MLX
// fuses chains at most 11 ops deep with fewer than 24 inputs; the pairwise tree below is 2 ops
// deep per level plus 2 for the tie, 2t + 1 inputs, so 11 taps is the most. 8 taps: 640 samples
// in 4 steps, 360 in 3.
constexpr int kMaxScanTaps = 8;

struct Map {
  mx::array a, b;
};

// {a_0..a_{t-1}, b_0..b_{t-1}} newest first -> their composition, combined pairwise (a tree of
// depth log2 t, not a chain of t).
Map compose(const std::vector<mx::array>& in, bool need_a, mx::StreamOrDevice s) {
  const std::size_t t = in.size() / 2;
  std::vector<Map> maps;
  for (std::size_t j = 0; j < t; ++j) maps.push_back({in[j], in[t + j]});
  while (maps.size() > 1) {
    std::vector<Map> next;
    for (std::size_t j = 0; j + 1 < maps.size(); j += 2) {
      const auto &newer = maps[j], &older = maps[j + 1];
      const bool last = maps.size() <= 2;
      next.push_back({need_a || !last ? mx::multiply(newer.a, older.a, s) : newer.a,
                      mx::add(newer.b, mx::multiply(newer.a, older.b, s), s)});
    }
    if (maps.size() % 2) next.push_back(maps.back());
    maps = std::move(next);
  }
  return maps[0];
}

// MLX grows a fused kernel from one output and takes another output along only if the first one
// depends on it: b + 0 * a (exactly b, as a is finite and b >= 0) makes a step one kernel, not
// one for a, one for b and one for every product of a's that both use.
std::vector<mx::array> compose_ab(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto m = compose(in, true, s);
  return {m.a, mx::add(m.b, mx::multiply(m.a, mx::array(0.0f), s), s)};
}

// Last step: only b; samples of `raw` that are not positive finite numbers pass through:
// {a.., b.., raw} -> {y}.
std::vector<mx::array> compose_last(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto& raw = in.back();
  const std::vector<mx::array> maps(in.begin(), in.end() - 1);
  auto scanned = mx::logical_and(mx::greater(raw, mx::array(0.0f), s), mx::less(raw, mx::array(INFINITY), s), s);
  return {mx::where(scanned, compose(maps, false, s).b, raw, s)};
}

}  // namespace

std::vector<int> scan_taps(int n) {
  std::vector<int> best;
  if (n <= 1) return best;
  int steps = 0;
  for (long long cover = 1; cover < n; cover *= kMaxScanTaps) ++steps;
  // Fewest taps in all (arithmetic per sample), then the smallest product (padded samples), over
  // non-decreasing tap lists of that many steps; e.g. 640 -> 4, 4, 5, 8 (640), 360 -> 6, 8, 8 (384).
  long long best_sum = 0, best_product = 0;
  std::vector<int> taps;
  auto search = [&](auto&& self, int from, long long sum, long long product) -> void {
    if (static_cast<int>(taps.size()) == steps) {
      if (product >= n && (best.empty() || sum < best_sum || (sum == best_sum && product < best_product))) {
        best = taps;
        best_sum = sum;
        best_product = product;
      }
      return;
    }
    for (int t = from; t <= kMaxScanTaps; ++t) {
      taps.push_back(t);
      self(self, t, sum + t, product * t);
      taps.pop_back();
    }
  };
  search(search, 2, 0, 1);
  return best;
}

int scan_pad(const std::vector<int>& taps) {
  int p = 1;
  for (int t : taps) p *= t;
  return p - 1;
}

mx::array slice_axis(const mx::array& x, int axis, int start, int stop, mx::Stream s) {
  mx::Shape lo(x.ndim(), 0), hi = x.shape();
  lo[axis] = start;
  hi[axis] = stop;
  return mx::slice(x, lo, hi, s);
}

mx::array affine_scan(const mx::array& a_in, const mx::array& b_in, const mx::array& raw, int axis, bool reverse,
                      const std::vector<int>& taps, mx::Stream s) {
  mx::array a = a_in, b = b_in;
  int window = 1;  // samples each element already covers
  for (std::size_t k = 0; k < taps.size(); ++k) {
    const int t = taps[k], len = a.shape(axis), out = len - (t - 1) * window;
    std::vector<mx::array> in;
    in.reserve(2 * t);
    for (const auto* x : {&a, &b}) {
      for (int j = 0; j < t; ++j) {  // newest first
        const int start = reverse ? j * window : (t - 1 - j) * window;
        in.push_back(slice_axis(*x, axis, start, start + out, s));
      }
    }
    if (k + 1 == taps.size()) {
      in.push_back(raw);
      return run_fused<compose_last>(in, s)[0];
    }
    auto ab = run_fused<compose_ab>(in, s);
    a = ab[0];
    b = ab[1];
    window *= t;
  }
  return run_fused<compose_last>({a, b, raw}, s)[0];  // lines of one sample
}

}  // namespace robomlx::depth::detail
