// SPDX-License-Identifier: Apache-2.0
#include "emu_pc_kernels.h"
// Point-cloud occlusion scan: current CUDA kernel vs the previous one.
#include <random>
int fails = 0;
template <int H, int W> void run(std::mt19937& rng) {
  std::vector<uint16_t> d(H * W); std::vector<float> v(3 * H * W), px(H * W);
  std::uniform_int_distribution<int> hole(0, 5), pxs(0, 40); std::uniform_real_distribution<float> z(0.2f, 3.0f);
  for (int i = 0; i < H * W; ++i) { d[i] = hole(rng) ? 1000 : 0; px[i] = d[i] ? float(i % W + pxs(rng) / 4) : 0.0f; v[3*i] = z(rng); v[3*i+1] = z(rng); v[3*i+2] = d[i] ? z(rng) : 0; }
  std::vector<float> a(3 * H * W, 7), b(3 * H * W, 9);
  launch((H + 63) / 64, 64, [&] { old_k::scan<H, W>(d.data(), v.data(), px.data(), a.data()); });
  launch((H + 63) / 64, 64, [&] { new_k::scan<H, W>(d.data(), v.data(), px.data(), b.data()); });
  for (size_t i = 0; i < a.size(); ++i) if (std::memcmp(&a[i], &b[i], 4)) { std::printf("MISMATCH %dx%d at %zu: %g vs %g\n", H, W, i, a[i], b[i]); ++fails; break; }
}
int main() { std::mt19937 rng(1); run<1, 1>(rng); run<3, 5>(rng); run<17, 16>(rng); run<9, 33>(rng); run<70, 130>(rng); std::printf("%s (%d)\n", fails ? "FAIL" : "ALL OK", fails); }
