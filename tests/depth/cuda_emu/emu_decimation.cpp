// SPDX-License-Identifier: Apache-2.0
#include "emu_dec_kernels.h"
#include <random>
// Decimation: the CUDA kernel vs a plain-loop lower median / mean (2D launch emulated row by row).
int fails = 0;
template <int S> void run(int h, int w, std::mt19937& rng) {
  std::vector<uint16_t> in(size_t(h) * w);
  std::uniform_int_distribution<int> val(0, 65535), hole(0, 2);
  for (auto& v : in) v = hole(rng) == 0 ? 0 : (hole(rng) == 0 ? 65535 : val(rng));
  int hr = h / S, wr = w / S, hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  std::vector<uint16_t> out(size_t(hp) * wp, 12345);
  Shape sh{{h, w}};
  // emulate grid {wp, hp} with blocks {32, 1}: threadIdx.y = 0, blockIdx.y = row
  for (int y = 0; y < hp; ++y) {
    blockDim = {32, 1, 1};
    for (int bx = 0; bx < (wp + 31) / 32; ++bx)
      for (int t = 0; t < 32; ++t) { blockIdx = {unsigned(bx), unsigned(y), 0}; threadIdx = {unsigned(t), 0, 0}; new_k::dec<S>(in.data(), sh, out.data()); }
  }
  for (int y = 0; y < hp; ++y) for (int x = 0; x < wp; ++x) {
    int ref = 0;
    if (y < hr && x < wr) {
      std::vector<int> v; long sum = 0;
      for (int dy = 0; dy < S; ++dy) for (int dx = 0; dx < S; ++dx) { int d = in[size_t(y * S + dy) * w + x * S + dx]; if (d) { v.push_back(d); sum += d; } }
      if (S == 2 || S == 3) { std::sort(v.begin(), v.end()); ref = v.empty() ? 0 : v[(v.size() - 1) / 2]; }
      else ref = int(sum / std::max<size_t>(v.size(), 1));
    }
    if (out[size_t(y) * wp + x] != ref) { if (fails++ < 5) std::printf("MISMATCH S=%d %dx%d (%d,%d) %d vs %d\n", S, h, w, y, x, out[size_t(y) * wp + x], ref); }
  }
}
int main() {
  std::mt19937 rng(5);
  int sizes[][2] = {{2, 2}, {3, 3}, {7, 9}, {33, 65}, {64, 64}, {17, 130}};
  for (auto& s : sizes) { run<1>(s[0], s[1], rng); run<2>(s[0], s[1], rng); if (s[0] >= 3 && s[1] >= 3) run<3>(s[0], s[1], rng); if (s[0] >= 5 && s[1] >= 5) run<5>(s[0], s[1], rng); if (s[0] >= 8 && s[1] >= 8) run<8>(s[0], s[1], rng); }
  std::printf("%s (%d mismatches)\n", fails ? "FAIL" : "ALL OK", fails);
}
