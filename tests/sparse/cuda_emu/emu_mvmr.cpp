// SPDX-License-Identifier: Apache-2.0
// CPU emulation of the sparse CUDA kernels (mvmr_cuda.cpp, segment_reduce_cuda.cpp) and the
// core prefix sum (scan_cuda.cpp) through tests/cuda_emu/emu.h. Checks the kernels' indexing and reductions against loops without a GPU
// (ragged tails, groups, sorted and unsorted triplets, empty segments, every lane width).
// Not part of the build; see gen_kernels.py for the two commands.
#include <random>

#include "emu.h"
#include "kernels.inc"
int cdiv(long a, long b) { return (a + b - 1) / b; }
double maxerr(const std::vector<float>& a, const std::vector<double>& b) {
  double e = 0, s = 0;
  for (size_t i = 0; i < a.size(); ++i) { e = std::max(e, std::abs(a[i] - b[i])); s = std::max(s, std::abs(b[i])); }
  return e / std::max(s, 1e-30);
}
int main() {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  bool ok = true;
  for (int variant = 0; variant < 4; ++variant) {
    bool sorted = variant % 2 == 0;
    int K = 5, Nb = 40, No = 30, G = 2, C = 37, M = variant < 2 ? 131 : 132, T = 70;
    std::uniform_int_distribution<int> uk(0, K - 1), ub(0, Nb - 1), uo(0, No - 1);
    std::vector<int> ai(T), bi(T), oi(T);
    for (int t = 0; t < T; ++t) { ai[t] = uk(rng); bi[t] = ub(rng); oi[t] = uo(rng); }
    if (sorted) { std::sort(ai.begin(), ai.end()); std::sort(oi.begin(), oi.begin() + 20); }
    std::vector<float> a(K * G * C * M), b(Nb * G * C), o(No * G * M, 0.f);
    for (auto& v : a) v = nd(rng);
    for (auto& v : b) v = nd(rng);
    std::vector<double> ref(o.size(), 0.0);
    for (int t = 0; t < T; ++t)
      for (int g = 0; g < G; ++g)
        for (int c = 0; c < C; ++c)
          for (int m = 0; m < M; ++m)
            ref[(oi[t] * G + g) * M + m] += double(b[(bi[t] * G + g) * C + c]) * a[((ai[t] * G + g) * C + c) * M + m];
    int a_shape[4] = {K, G, C, M}, b_shape[3] = {Nb, G, C}, i_shape[1] = {T};
    const bool wide = variant >= 2;  // 131: narrow kernel, scalar atomics; 132: wide kernel, float4 atomics
    launch(cdiv(T, 64), cdiv(M, wide ? 128 : 64), G, 256, [&] {
      if (wide) k_mvmr<true>(a.data(), a_shape, b.data(), b_shape, ai.data(), i_shape, bi.data(), oi.data(), o.data());
      else k_mvmr<false>(a.data(), a_shape, b.data(), b_shape, ai.data(), i_shape, bi.data(), oi.data(), o.data());
    });
    double e = maxerr(o, ref);
    printf("mvmr sorted=%d M=%d rel err %.2e\n", sorted, M, e);
    ok &= e < 1e-5;
    // VVOR: a [Na, G, M], b [Nb, G, C], o [n, G, M, C]
    int Na = 40, n = 6, Mv = 21, Cv = variant < 2 ? 35 : 36;
    T = 1100;
    std::vector<float> va(Na * G * Mv), vb(Nb * G * Cv), vo(n * G * Mv * Cv, 0.f);
    for (auto& v : va) v = nd(rng);
    for (auto& v : vb) v = nd(rng);
    std::uniform_int_distribution<int> ua(0, Na - 1), un(0, n - 1);
    std::vector<int> xa(T), xb(T), xo(T);
    for (int t = 0; t < T; ++t) { xa[t] = ua(rng); xb[t] = ub(rng); xo[t] = un(rng); }
    if (sorted) std::sort(xo.begin(), xo.end());
    std::vector<double> vref(vo.size(), 0.0);
    for (int t = 0; t < T; ++t)
      for (int g = 0; g < G; ++g)
        for (int m = 0; m < Mv; ++m)
          for (int c = 0; c < Cv; ++c)
            vref[((xo[t] * G + g) * Mv + m) * Cv + c] += double(va[(xa[t] * G + g) * Mv + m]) * vb[(xb[t] * G + g) * Cv + c];
    int va_shape[3] = {Na, G, Mv}, vb_shape[3] = {Nb, G, Cv}, vi_shape[1] = {T};
    launch(cdiv(T, 512), cdiv(Mv, 64) * cdiv(Cv, wide ? 128 : 64), G, 256, [&] {
      if (wide) k_vvor<true>(va.data(), va_shape, vb.data(), vb_shape, xa.data(), vi_shape, xb.data(), xo.data(), vo.data());
      else k_vvor<false>(va.data(), va_shape, vb.data(), vb_shape, xa.data(), vi_shape, xb.data(), xo.data(), vo.data());
    });
    e = maxerr(vo, vref);
    printf("vvor sorted=%d C=%d rel err %.2e\n", sorted, Cv, e);
    ok &= e < 1e-5;
  }
  // Segment reduce: every D regime (shuffle and shared-memory lane merges, 32-channel slices),
  // lengths with empties, plain and indexed rows.
  for (int D : {1, 3, 4, 7, 32, 40, 64}) {
    std::vector<int> len{0, 5, 17, 0, 1, 33, 2, 0, 70, 9};
    for (int extra = 0; extra < 13; ++extra) len.push_back((extra * 7) % 11);  // 23 segments: 3 warps at D = 1
    int K = len.size();
    std::vector<int> off(K + 1, 0);
    for (int k = 0; k < K; ++k) off[k + 1] = off[k] + len[k];
    std::vector<int> ends(off.begin() + 1, off.end());
    int T = off[K], N = 23;
    std::vector<float> x(T * D), xi(N * D);
    for (auto& v : x) v = nd(rng);
    for (auto& v : xi) v = nd(rng);
    std::vector<int> idx(T);
    for (auto& v : idx) v = std::uniform_int_distribution<int>(0, N - 1)(rng);
    auto run = [&](auto op_tag, auto indexed_tag) {
      constexpr int OP = decltype(op_tag)::value;
      constexpr bool INDEXED = decltype(indexed_tag)::value;
      const float* src = INDEXED ? xi.data() : x.data();
      std::vector<float> y(K * D, -999.f);
      constexpr int SEGS_D1 = 8;
      long warps = D >= 32 ? long(K) * cdiv(D, 32) : (D == 1 ? cdiv(K, SEGS_D1) : K);
      int x_shape[2] = {INDEXED ? N : T, D}, e_shape[1] = {K};
      launch(cdiv(warps, 8), 1, 1, 256, [&] {
        if (D == 1) k_seg<OP, INDEXED, SEGS_D1>(src, x_shape, INDEXED ? idx.data() : nullptr, ends.data(), e_shape, y.data());
        else k_seg<OP, INDEXED, 1>(src, x_shape, INDEXED ? idx.data() : nullptr, ends.data(), e_shape, y.data());
      });
      std::vector<double> ref(K * D, 0.0);
      for (int k = 0; k < K; ++k)
        for (int d = 0; d < D; ++d) {
          if (len[k] == 0) continue;
          double acc = OP == 2 ? -1e300 : OP == 3 ? 1e300 : 0;
          for (int r = off[k]; r < off[k + 1]; ++r) {
            double v = src[(INDEXED ? idx[r] : r) * D + d];
            acc = OP == 2 ? std::max(acc, v) : OP == 3 ? std::min(acc, v) : acc + v;
          }
          if (OP == 1) acc /= len[k];
          ref[k * D + d] = acc;
        }
      double e = maxerr(y, ref);
      printf("segment op=%d indexed=%d D=%d rel err %.2e\n", OP, INDEXED, D, e);
      ok &= e < 1e-5;
    };
    using I0 = std::integral_constant<int, 0>; using I1 = std::integral_constant<int, 1>;
    using I2 = std::integral_constant<int, 2>; using I3 = std::integral_constant<int, 3>;
    using Plain = std::integral_constant<bool, false>; using Idx = std::integral_constant<bool, true>;
    run(I0{}, Plain{}); run(I1{}, Plain{}); run(I2{}, Idx{}); run(I3{}, Plain{}); run(I0{}, Idx{});
  }
  // Contiguous D == 1 tile kernel at several tile shapes (values per thread x threads): ragged tails,
  // empties at the front, back and across tile edges, segments over several tiles, T == 0,
  // more owned segments than one CHUNK (1024), float4 (aligned x) and scalar (x + 1) loads.
  auto tile_cases = [&](auto per_tag, auto threads_tag) {
    constexpr int PER = decltype(per_tag)::value, THREADS = decltype(threads_tag)::value, TILE = PER * THREADS;
    printf("segment tile kernel, %d values x %d threads\n", PER, THREADS);
    std::vector<std::pair<const char*, std::vector<int>>> cases;
    auto random_lengths = [&](int K, int max_len, int empty_pct) {
      std::vector<int> l(K);
      for (auto& v : l) v = std::uniform_int_distribution<int>(0, 99)(rng) < empty_pct ? 0 : std::uniform_int_distribution<int>(1, max_len)(rng);
      return l;
    };
    auto with = [](std::vector<int> l, std::initializer_list<int> front, std::initializer_list<int> back) {
      l.insert(l.begin(), front);
      l.insert(l.end(), back);
      return l;
    };
    cases.push_back({"random T%4!=0", with(random_lengths(700, 40, 20), {0, 0, 0}, {0, 0})});
    cases.push_back({"span tiles", {0, 3, 10000, 5, 0, 4090, 1, 6, 0, 0}});
    cases.push_back({"one segment", {9001}});
    cases.push_back({"T == 0", {0, 0, 0, 0, 0}});
    cases.push_back({"lengths 1", std::vector<int>(4100, 1)});
    cases.push_back({"many empty", random_lengths(1500, 3, 90)});
    cases.push_back({"T == 2 TILE", with(std::vector<int>(64, 128), {0}, {0, 0, 0})});
    cases.push_back({"edge starts", {TILE, 0, TILE - 1, 1, 0, 1, TILE - 2, 3, 5}});
    for (auto& [name, len] : cases) {
      const int K = len.size();
      std::vector<int> off(K + 1, 0);
      for (int k = 0; k < K; ++k) off[k + 1] = off[k] + len[k];
      std::vector<int> ends(off.begin() + 1, off.end());
      const int T = off[K], blocks = std::max(1, cdiv(T, TILE));
      std::vector<float> buf(T + 4);
      if (reinterpret_cast<std::uintptr_t>(buf.data()) % 16) { printf("buffer not 16-byte aligned\n"); ok = false; return; }
      for (int aligned = 1; aligned >= 0; --aligned) {
        float* x = buf.data() + (aligned ? 0 : 1);
        for (int i = 0; i < T; ++i) x[i] = nd(rng);
        auto run = [&](auto op_tag) {
          constexpr int OP = decltype(op_tag)::value;
          std::vector<float> y(K, -999.f);
          int x_shape[2] = {T, 1}, e_shape[1] = {K};
          std::vector<int32_t> first(blocks + 1, -7);
          launch(cdiv(K + 1, 256), 1, 1, 256, [&] { k_segfirst<TILE>(&T, ends.data(), e_shape, first.data()); });
          for (int b = 0; b <= blocks; ++b) {  // the table itself against a search
            int k = 0;
            while (k < K && off[k] < b * TILE) ++k;
            if (first[b] != k) { printf("segment tile %s: first[%d] = %d, want %d\n", name, b, first[b], k); ok = false; }
          }
          std::vector<double> ref(K, 0.0);
          double scale = 1e-30;  // the largest sum (or mean) of |x| over a segment: rounding's yardstick
          for (int k = 0; k < K; ++k) {
            if (len[k] == 0) continue;
            double acc = OP == 2 ? -1e300 : OP == 3 ? 1e300 : 0, mag = 0;
            for (int r = off[k]; r < off[k + 1]; ++r) {
              acc = OP == 2 ? std::max<double>(acc, x[r]) : OP == 3 ? std::min<double>(acc, x[r]) : acc + x[r];
              mag += std::fabs(x[r]);
            }
            ref[k] = OP == 1 ? acc / len[k] : acc;
            scale = std::max(scale, OP == 1 ? mag / len[k] : mag);
          }
          launch(blocks, 1, 1, THREADS, [&] { k_segtile<OP, THREADS, PER>(x, x_shape, ends.data(), e_shape, first.data(), y.data()); });
          double e = 0;
          for (int k = 0; k < K; ++k) e = std::max(e, std::fabs(y[k] - ref[k]));
          e = OP >= 2 ? e : e / scale;
          // max and min pick one of the inputs: they must match exactly; sums are within float
          // rounding of the segment's sum of magnitudes.
          const double tol = OP >= 2 ? 0.0 : 1e-6;
          printf("segment tile %-14s op=%d T=%5d K=%4d %s rel err %.2e\n", name, OP, T, K, aligned ? "float4" : "scalar", e);
          ok &= e <= tol;
        };
        run(std::integral_constant<int, 0>{}); run(std::integral_constant<int, 1>{});
        run(std::integral_constant<int, 2>{}); run(std::integral_constant<int, 3>{});
      }
    }
  };
  tile_cases(std::integral_constant<int, 16>{}, std::integral_constant<int, 128>{});
  tile_cases(std::integral_constant<int, 32>{}, std::integral_constant<int, 128>{});
  tile_cases(std::integral_constant<int, 32>{}, std::integral_constant<int, 64>{});
  tile_cases(std::integral_constant<int, 8>{}, std::integral_constant<int, 256>{});
  // core/scan_cuda.cpp: chunk totals then chunk scans, with and without the leading zero.
  for (int n : {1, 7, 2047, 2048, 2049, 5000, 9000}) {
    std::vector<int> x(n), want(n + 1, 0);
    for (auto& v : x) v = std::uniform_int_distribution<int>(0, 50)(rng);
    for (int i = 0; i < n; ++i) want[i + 1] = want[i] + x[i];
    int blocks = cdiv(n, 2048), shape[1] = {n};
    std::vector<int> totals(blocks), out0(n), out1(n + 1, -1);
    launch(blocks, 1, 1, 256, [&] { k_totals(x.data(), shape, totals.data()); });
    launch(blocks, 1, 1, 256, [&] { k_scan<0>(x.data(), shape, totals.data(), out0.data()); });
    launch(blocks, 1, 1, 256, [&] { k_scan<1>(x.data(), shape, totals.data(), out1.data()); });
    bool good = out1 == want && std::equal(out0.begin(), out0.end(), want.begin() + 1);
    printf("scan n=%d %s\n", n, good ? "ok" : "WRONG");
    ok &= good;
  }
  printf(ok ? "ALL OK\n" : "MISMATCH\n");
  return ok ? 0 : 1;
}
