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
#include <random>
#include <thread>
#include <vector>
struct D3 { unsigned x = 0, y = 0, z = 0; };
thread_local D3 threadIdx, blockIdx;
D3 blockDim;
std::barrier<>* g_bar;
void __syncthreads() { g_bar->arrive_and_wait(); }
float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
float __int_as_float(int i) { return std::bit_cast<float>(i); }
using std::max;
using std::min;
float g_shfl[1024];
float __shfl_down_sync(unsigned, float v, int s, int width = 32) {
  int t = threadIdx.x;
  g_shfl[t] = v;
  __syncthreads();
  int lane = t % width;
  float r = (lane + s < width) ? g_shfl[t + s] : v;
  __syncthreads();
  return r;
}
#define __shared__ static
#include "kernels.inc"
template <class F>
void launch(unsigned gx, unsigned gy, unsigned gz, unsigned threads, F body) {
  blockDim = {threads, 1, 1};
  for (unsigned z = 0; z < gz; ++z)
    for (unsigned y = 0; y < gy; ++y)
      for (unsigned x = 0; x < gx; ++x) {
        std::barrier<> bar(threads);
        g_bar = &bar;
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
  for (bool sorted : {true, false}) {
    int K = 5, Nb = 40, No = 30, G = 2, C = 37, M = 131, T = 70;
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
    int dims[4] = {T, G, C, M};
    launch(cdiv(T, 16), cdiv(M, 128), G, 128, [&] { k_mvmr(a.data(), b.data(), ai.data(), bi.data(), oi.data(), dims, o.data()); });
    double e = maxerr(o, ref);
    printf("mvmr sorted=%d rel err %.2e\n", sorted, e);
    ok &= e < 1e-5;
    // VVOR: a [Na, G, M], b [Nb, G, C], o [n, G, M, C]
    int Na = 40, n = 6, Mv = 21, Cv = 35;
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
    int vd[4] = {T, G, Mv, Cv};
    launch(cdiv(T, 64), cdiv(Mv, 16) * cdiv(Cv, 16), G, 256, [&] { k_vvor(va.data(), vb.data(), xa.data(), xb.data(), xo.data(), vd, vo.data()); });
    e = maxerr(vo, vref);
    printf("vvor sorted=%d rel err %.2e\n", sorted, e);
    ok &= e < 1e-5;
  }
  // Segment reduce: D in {1, 3, 40}, lengths with empties.
  for (int D : {1, 3, 40}) {
    std::vector<int> len{0, 5, 17, 0, 1, 33, 2, 0};
    int K = len.size();
    std::vector<int> off(K + 1, 0);
    for (int k = 0; k < K; ++k) off[k + 1] = off[k] + len[k];
    int T = off[K];
    std::vector<float> x(T * D);
    for (auto& v : x) v = nd(rng);
    auto run = [&](auto op_tag, auto lanes_tag) {
      constexpr int OP = decltype(op_tag)::value, LANES = decltype(lanes_tag)::value;
      std::vector<float> y(K * D, -999.f);
      long work = D >= 32 ? long(K) * cdiv(D, 32) * 32 : long(K) * D * LANES;
      int threads = cdiv(work, 256) * 256;
      int dims[2] = {K, D};
      launch(threads / 256, 1, 1, 256, [&] { k_seg<OP, LANES>(x.data(), off.data(), dims, y.data()); });
      std::vector<double> ref(K * D, 0.0);
      for (int k = 0; k < K; ++k)
        for (int d = 0; d < D; ++d) {
          if (len[k] == 0) continue;
          double acc = OP == 2 ? -1e300 : OP == 3 ? 1e300 : 0;
          for (int r = off[k]; r < off[k + 1]; ++r) {
            double v = x[r * D + d];
            acc = OP == 2 ? std::max(acc, v) : OP == 3 ? std::min(acc, v) : acc + v;
          }
          if (OP == 1) acc /= len[k];
          ref[k * D + d] = acc;
        }
      double e = maxerr(y, ref);
      printf("segment op=%d lanes=%d D=%d rel err %.2e\n", OP, LANES, D, e);
      ok &= e < 1e-5;
    };
    using I0 = std::integral_constant<int, 0>; using I1 = std::integral_constant<int, 1>;
    using I2 = std::integral_constant<int, 2>; using I3 = std::integral_constant<int, 3>;
    using L1 = std::integral_constant<int, 1>; using L8 = std::integral_constant<int, 8>; using L32 = std::integral_constant<int, 32>;
    run(I0{}, L8{}); run(I1{}, L1{}); run(I2{}, L32{}); run(I3{}, L8{});
  }
  printf(ok ? "ALL OK\n" : "MISMATCH\n");
  return ok ? 0 : 1;
}
