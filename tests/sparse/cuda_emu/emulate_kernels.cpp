// SPDX-License-Identifier: Apache-2.0
// CPU emulation of the sparse CUDA kernels (mvmr_cuda.cpp, segment_reduce_cuda.cpp): one
// std::thread per CUDA thread, a std::barrier per block for __syncthreads, shuffles through a
// block buffer. Checks the kernels' indexing and reductions against loops without a GPU
// (ragged tails, groups, sorted and unsorted triplets, empty segments, every lane width).
// Not part of the build; see gen_kernels.py for the two commands.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>
#include <vector>
struct D3 { unsigned x = 0, y = 0, z = 0; };
thread_local D3 threadIdx, blockIdx;
D3 blockDim;
std::barrier<>* g_bar;
std::barrier<>** g_wbar_list;  // one barrier of 32 per warp
void __syncthreads() { g_bar->arrive_and_wait(); }
void __syncwarp() { g_wbar_list[threadIdx.x / 32]->arrive_and_wait(); }
float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
struct float4 { float x, y, z, w; };
float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
void atomicAdd(float4* p, float4 v) {
  float* f = reinterpret_cast<float*>(p);
  if (reinterpret_cast<uintptr_t>(f) % 16) { fprintf(stderr, "misaligned float4 atomic\n"); std::abort(); }
  atomicAdd(f, v.x); atomicAdd(f + 1, v.y); atomicAdd(f + 2, v.z); atomicAdd(f + 3, v.w);
}
float __int_as_float(int i) { return std::bit_cast<float>(i); }
int __ffs(unsigned v) { return v ? std::countr_zero(v) + 1 : 0; }
using std::max;
using std::min;
double g_shfl[1024];
int g_vote[1024];
// Every shuffle: publish v, read the lane `src(lane)` picks (its own value when src is -1).
template <class V, class Src>
V exchange(V v, Src src) {
  int t = threadIdx.x, w0 = t & ~31;
  g_shfl[t] = v;
  __syncwarp();
  int from = src(t % 32);
  V r = from < 0 ? v : V(g_shfl[w0 + from]);
  __syncwarp();
  return r;
}
template <class V>
V __shfl_down_sync(unsigned, V v, int s, int width = 32) {
  return exchange(v, [=](int l) { return l % width + s < width ? l + s : -1; });
}
template <class V>
V __shfl_up_sync(unsigned, V v, int s) { return exchange(v, [=](int l) { return l >= s ? l - s : -1; }); }
template <class V>
V __shfl_xor_sync(unsigned, V v, int m) { return exchange(v, [=](int l) { return l ^ m; }); }
template <class V>
V __shfl_sync(unsigned, V v, int src) { return exchange(v, [=](int) { return src; }); }
unsigned __ballot_sync(unsigned, bool p) {
  int t = threadIdx.x, w0 = t / 32 * 32;
  g_vote[t] = p;
  __syncwarp();
  unsigned m = 0;
  for (int l = 0; l < 32; ++l) m |= unsigned(g_vote[w0 + l] != 0) << l;
  __syncwarp();
  return m;
}
#define __CUDA_ARCH__ 900
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static
#include "kernels.inc"
template <class F>
void launch(unsigned gx, unsigned gy, unsigned gz, unsigned threads, F body) {
  blockDim = {threads, 1, 1};
  for (unsigned z = 0; z < gz; ++z)
    for (unsigned y = 0; y < gy; ++y)
      for (unsigned x = 0; x < gx; ++x) {
        std::barrier<> bar(threads);
        std::vector<std::unique_ptr<std::barrier<>>> wbars;
        for (unsigned w = 0; w < threads / 32; ++w) wbars.push_back(std::make_unique<std::barrier<>>(32));
        std::vector<std::barrier<>*> wp;
        for (auto& b : wbars) wp.push_back(b.get());
        g_bar = &bar;
        g_wbar_list = wp.data();
        std::vector<std::thread> ts;
        for (unsigned i = 0; i < threads; ++i)
          ts.emplace_back([=] { threadIdx = {i, 0, 0}; blockIdx = {x, y, z}; body(); });
        for (auto& t : ts) t.join();
      }
}
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
