// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.mvmr: mvmr_gpu.cpp's MVMR and VVOR kernels (register-tiled, atomics into the
// zero-initialised output) on the host emulator against double-precision loops, to 1e-5 of the
// largest output (float32 accumulation in another order): sorted and unsorted triplets, groups,
// ragged tiles, narrow and WIDE kernels, scalar and float4 atomics (row length odd or a multiple
// of 4), the WIDE choice as mvmr_gpu makes it.
#include <random>

#include "sparse_kernels.h"

namespace {

int cdiv(long a, long b) { return int((a + b - 1) / b); }

double relative_error(const std::vector<float>& got, const std::vector<double>& want) {
  double e = 0, s = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    e = std::max(e, std::abs(got[i] - want[i]));
    s = std::max(s, std::abs(want[i]));
  }
  return e / std::max(s, 1e-30);
}

void report(const char* what, bool sorted, int size, double e) {
  std::printf("%s sorted=%d size=%d rel err %.2e\n", what, sorted, size, e);
  if (!(e < 1e-5)) emu_fail("%s sorted=%d size=%d: relative error %.2e > 1e-5", what, sorted, size, e);
}

// o[o_idx[t], g, m] += sum_c b[b_idx[t], g, c] a[a_idx[t], g, c, m]
void mvmr(bool sorted, int M, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  const int K = 5, Nb = 40, No = 30, G = 2, C = 37, T = 70;
  std::uniform_int_distribution<int> uk(0, K - 1), ub(0, Nb - 1), uo(0, No - 1);
  std::vector<int32_t> ai(T), bi(T), oi(T);
  for (int t = 0; t < T; ++t) ai[t] = uk(rng), bi[t] = ub(rng), oi[t] = uo(rng);
  if (sorted) std::sort(ai.begin(), ai.end()), std::sort(oi.begin(), oi.begin() + 20);
  std::vector<float> a(K * G * C * M), b(Nb * G * C), o(No * G * M, 0.f);
  for (auto& v : a) v = nd(rng);
  for (auto& v : b) v = nd(rng);
  std::vector<double> want(o.size(), 0.0);
  for (int t = 0; t < T; ++t)
    for (int g = 0; g < G; ++g)
      for (int c = 0; c < C; ++c)
        for (int m = 0; m < M; ++m)
          want[(oi[t] * G + g) * M + m] += double(b[(bi[t] * G + g) * C + c]) * a[((ai[t] * G + g) * C + c) * M + m];
  const bool wide = M >= 128;
  mlx_launch({unsigned(cdiv(T, 64) * 256), unsigned(cdiv(M, wide ? 128 : 64)), G}, {256}, [&] {
    const Shape as = shape_of({K, G, C, M}), is = shape_of({T});
    if (wide) robomlx_sparse_mvmr_tiled::kernel<true>(a.data(), as, b.data(), ai.data(), is, bi.data(), oi.data(), o.data());
    else robomlx_sparse_mvmr_tiled::kernel<false>(a.data(), as, b.data(), ai.data(), is, bi.data(), oi.data(), o.data());
  });
  report("mvmr", sorted, M, relative_error(o, want));
}

// o[o_idx[t], g, m, c] += a[a_idx[t], g, m] b[b_idx[t], g, c]
void vvor(bool sorted, int C, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  const int Na = 40, Nb = 40, n = 6, G = 2, M = 21, T = 600;  // two 512-triplet chunks
  std::vector<float> a(Na * G * M), b(Nb * G * C), o(n * G * M * C, 0.f);
  for (auto& v : a) v = nd(rng);
  for (auto& v : b) v = nd(rng);
  std::uniform_int_distribution<int> ua(0, Na - 1), ub(0, Nb - 1), un(0, n - 1);
  std::vector<int32_t> ai(T), bi(T), oi(T);
  for (int t = 0; t < T; ++t) ai[t] = ua(rng), bi[t] = ub(rng), oi[t] = un(rng);
  if (sorted) std::sort(oi.begin(), oi.end());
  std::vector<double> want(o.size(), 0.0);
  for (int t = 0; t < T; ++t)
    for (int g = 0; g < G; ++g)
      for (int m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c)
          want[((oi[t] * G + g) * M + m) * C + c] += double(a[(ai[t] * G + g) * M + m]) * b[(bi[t] * G + g) * C + c];
  const bool wide = C >= 128;
  mlx_launch({unsigned(cdiv(T, 512) * 256), unsigned(cdiv(M, 64) * cdiv(C, wide ? 128 : 64)), G}, {256}, [&] {
    const Shape as = shape_of({Na, G, M}), bs = shape_of({Nb, G, C}), is = shape_of({T});
    if (wide) robomlx_sparse_vvor_tiled::kernel<true>(a.data(), as, b.data(), bs, ai.data(), is, bi.data(), oi.data(), o.data());
    else robomlx_sparse_vvor_tiled::kernel<false>(a.data(), as, b.data(), bs, ai.data(), is, bi.data(), oi.data(), o.data());
  });
  report("vvor", sorted, C, relative_error(o, want));
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  // Row lengths: narrow, narrow with float4 atomics, wide, wide with float4 atomics.
  mvmr(true, 37, rng), mvmr(false, 68, rng), mvmr(false, 131, rng), mvmr(true, 132, rng);
  vvor(true, 35, rng), vvor(false, 36, rng), vvor(false, 131, rng), vvor(true, 132, rng);
  return emu_finish("kernels.emu.mvmr");
}
