// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.segment_reduce: segment_reduce_gpu.cpp's warp kernel (plain and indexed rows,
// every D regime: shuffle and shared-memory lane merges, 32-channel slices, 8 segments a warp for
// indexed D == 1) and segment_reduce_tile_gpu.cpp's tile table and tile kernel (contiguous D == 1:
// ragged tails, empties at the front, back and across tile edges, segments over several tiles,
// T == 0, more owned segments than a chunk, float4 and scalar loads) on the host emulator against
// double-precision loops. Tolerances: max and min pick an input, so they must match exactly; sums
// and means to 1e-5 (warp kernel) or 1e-6 (tile kernel) of the largest result or sum of |x|.
#include <random>

#include "sparse_kernels.h"

namespace {

int cdiv(long a, long b) { return int((a + b - 1) / b); }
template <int V> using Int = std::integral_constant<int, V>;

// Reference: per segment the sum, mean, max or min (OP 0..3) of its rows; empty segments 0.
std::vector<double> reference(int op, const std::vector<int>& offsets, int D, const float* x, const int32_t* idx) {
  const int K = int(offsets.size()) - 1;
  std::vector<double> y(size_t(K) * D, 0.0);
  for (int k = 0; k < K; ++k)
    for (int d = 0; d < D; ++d) {
      const int len = offsets[k + 1] - offsets[k];
      if (len == 0) continue;
      double acc = op == 2 ? -1e300 : op == 3 ? 1e300 : 0;
      for (int r = offsets[k]; r < offsets[k + 1]; ++r) {
        const double v = x[size_t(idx ? idx[r] : r) * D + d];
        acc = op == 2 ? std::max(acc, v) : op == 3 ? std::min(acc, v) : acc + v;
      }
      y[size_t(k) * D + d] = op == 1 ? acc / len : acc;
    }
  return y;
}

std::vector<int> offsets_of(const std::vector<int>& lengths) {
  std::vector<int> off(lengths.size() + 1, 0);
  for (size_t k = 0; k < lengths.size(); ++k) off[k + 1] = off[k] + lengths[k];
  return off;
}

// The warp kernel, launched as segment_reduce_gpu launches it.
template <int OP, bool INDEXED>
void warp_case(int D, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  std::vector<int> len{0, 5, 17, 0, 1, 33, 2, 0, 70, 9};
  for (int extra = 0; extra < 13; ++extra) len.push_back((extra * 7) % 11);  // 23 segments: 3 warps at D = 1
  const auto off = offsets_of(len);
  const int K = int(len.size()), T = off[K], N = 23;
  std::vector<float> x(size_t(INDEXED ? N : T) * D);
  for (auto& v : x) v = nd(rng);
  std::vector<int32_t> idx(T), ends(off.begin() + 1, off.end());
  for (auto& v : idx) v = std::uniform_int_distribution<int>(0, N - 1)(rng);
  const int segs = D == 1 ? 8 : 1;
  const long warps = D >= 32 ? long(K) * cdiv(D, 32) : cdiv(K, segs);
  std::vector<float> y(size_t(K) * D, -999.f);
  const Shape xs = shape_of({INDEXED ? N : T, D}), es = shape_of({K});
  mlx_launch({unsigned(cdiv(warps, 8) * 256)}, {256}, [&] {
    if constexpr (INDEXED) {
      if (segs == 8) robomlx_sparse_segment_reduce_w::kernel<OP, true, 8>(x.data(), xs, idx.data(), ends.data(), es, y.data());
      else robomlx_sparse_segment_reduce_w::kernel<OP, true, 1>(x.data(), xs, idx.data(), ends.data(), es, y.data());
    } else {  // the plain launch passes ends as idx
      robomlx_sparse_segment_reduce_w::kernel<OP, false, 1>(x.data(), xs, ends.data(), ends.data(), es, y.data());
    }
  });
  const auto want = reference(OP, off, D, x.data(), INDEXED ? idx.data() : nullptr);
  double e = 0, s = 1e-30;
  for (size_t i = 0; i < y.size(); ++i) e = std::max(e, std::abs(y[i] - want[i])), s = std::max(s, std::abs(want[i]));
  e /= s;
  std::printf("segment warp op=%d indexed=%d D=%d rel err %.2e\n", OP, INDEXED, D, e);
  if (!(OP >= 2 ? e == 0 : e < 1e-5)) emu_fail("warp kernel op=%d indexed=%d D=%d: relative error %.2e", OP, INDEXED, D, e);
}

// The tile table and tile kernel for contiguous D == 1, tile shape PER values x THREADS threads.
template <int PER, int THREADS>
void tile_cases(std::mt19937& rng) {
  constexpr int TILE = PER * THREADS;
  std::normal_distribution<float> nd;
  auto random_lengths = [&](int K, int max_len, int empty_pct) {
    std::vector<int> l(K);
    for (auto& v : l)
      v = std::uniform_int_distribution<int>(0, 99)(rng) < empty_pct ? 0 : std::uniform_int_distribution<int>(1, max_len)(rng);
    return l;
  };
  auto with = [](std::vector<int> l, std::initializer_list<int> front, std::initializer_list<int> back) {
    l.insert(l.begin(), front);
    l.insert(l.end(), back);
    return l;
  };
  const std::vector<std::pair<const char*, std::vector<int>>> cases = {
      {"random T%4!=0", with(random_lengths(300, 40, 20), {0, 0, 0}, {0, 0})},
      {"span tiles", {0, 3, 2 * TILE + 17, 5, 0, TILE - 6, 1, 6, 0, 0}},
      {"one segment", {TILE + 905}},
      {"T == 0", {0, 0, 0, 0, 0}},
      {"lengths 1", std::vector<int>(TILE + 4, 1)},
      {"many empty", random_lengths(1500, 3, 90)},
      {"T == 2 TILE", with(std::vector<int>(2 * TILE / 128, 128), {0}, {0, 0, 0})},
      {"edge starts", {TILE, 0, TILE - 1, 1, 0, 1, TILE - 2, 3, 5}},
  };
  std::printf("segment tile kernel, %d values x %d threads\n", PER, THREADS);
  for (const auto& [name, len] : cases) {
    const auto off = offsets_of(len);
    const int K = int(len.size()), T = off[K], blocks = std::max(1, cdiv(T, TILE));
    std::vector<int32_t> ends(off.begin() + 1, off.end());
    std::vector<float> buf(T + 4);
    if (reinterpret_cast<std::uintptr_t>(buf.data()) % 16) emu_fail("buffer not 16-byte aligned");
    const Shape es = shape_of({K}), xs = shape_of({T, 1});
    // The table: first[b] = the first segment starting at or after tile b; against a search.
    std::vector<int32_t> first(blocks + 1, -7);
    mlx_launch_serial({unsigned(cdiv(K + 1, 256) * 256)}, {256}, [&] {
      robomlx_sparse_segment_tile_first::kernel<TILE>(nullptr, shape_of({T}), ends.data(), es, first.data());
    });
    for (int b = 0; b <= blocks; ++b) {
      int k = 0;
      while (k < K && off[k] < b * TILE) ++k;
      if (first[b] != k) emu_fail("tile table %s: first[%d] = %d, want %d", name, b, first[b], k);
    }
    for (int aligned = 1; aligned >= 0; --aligned) {
      float* x = buf.data() + (aligned ? 0 : 1);
      for (int i = 0; i < T; ++i) x[i] = nd(rng);
      auto run = [&]<int OP>(Int<OP>) {
        std::vector<float> y(K, -999.f);
        mlx_launch({unsigned(blocks * THREADS)}, {THREADS}, [&] {
          robomlx_sparse_segment_reduce_tile::kernel<OP, THREADS, PER>(x, xs, ends.data(), es, first.data(), y.data());
        });
        const auto want = reference(OP, off, 1, x, nullptr);
        // Sums and means: within float rounding of the segment's sum (mean) of |x|.
        double e = 0, scale = 1e-30;
        for (int k = 0; k < K; ++k) {
          e = std::max(e, std::fabs(y[k] - want[k]));
          if (len[k] == 0) continue;
          double mag = 0;
          for (int r = off[k]; r < off[k + 1]; ++r) mag += std::fabs(x[r]);
          scale = std::max(scale, OP == 1 ? mag / len[k] : mag);
        }
        if (OP < 2) e /= scale;
        if (!(OP >= 2 ? e == 0 : e <= 1e-6))
          emu_fail("tile %s op=%d T=%d K=%d %s: error %.2e", name, OP, T, K, aligned ? "float4" : "scalar", e);
      };
      run(Int<0>{}), run(Int<1>{}), run(Int<2>{}), run(Int<3>{});
    }
  }
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  for (int D : {1, 3, 4, 7, 32, 40, 64}) {
    if (D > 1) {  // contiguous D == 1 takes the tile kernel
      warp_case<0, false>(D, rng), warp_case<1, false>(D, rng), warp_case<3, false>(D, rng);
    }
    warp_case<2, true>(D, rng), warp_case<0, true>(D, rng), warp_case<1, true>(D, rng);
  }
  tile_cases<16, 128>(rng);  // the launched shape (segment_reduce_tile_gpu.cpp)
  tile_cases<32, 64>(rng);
  tile_cases<8, 256>(rng);
  return emu_finish("kernels.emu.segment_reduce");
}
