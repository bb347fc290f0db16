// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.decimation: decimation_gpu.cpp's kernel (2D grid, 32 x 8 blocks) on the host
// emulator against a plain lower median (scales 2, 3) or mean (other scales) of the non-zero
// values of each block, bit for bit, with the output padded to multiples of 4 with zeros.
#include <random>

#include "depth_kernels.h"

namespace {

template <int S>
void run(int h, int w, std::mt19937& rng) {
  if (h < S || w < S) return;
  std::vector<uint16_t> in(size_t(h) * w);
  std::uniform_int_distribution<int> val(0, 65535), hole(0, 2);
  for (auto& v : in) v = hole(rng) == 0 ? 0 : (hole(rng) == 0 ? 65535 : val(rng));
  const int hr = h / S, wr = w / S, hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  std::vector<uint16_t> out(size_t(hp) * wp, 12345);
  mlx_launch_serial({unsigned(wp), unsigned(hp)}, {32, 8}, [&] {
    robomlx_depth_decimate::kernel<S>(in.data(), shape_of({h, w}), out.data());
  });
  for (int y = 0; y < hp; ++y)
    for (int x = 0; x < wp; ++x) {
      int want = 0;
      if (y < hr && x < wr) {
        std::vector<int> v;
        long sum = 0;
        for (int dy = 0; dy < S; ++dy)
          for (int dx = 0; dx < S; ++dx)
            if (const int d = in[size_t(y * S + dy) * w + x * S + dx]) v.push_back(d), sum += d;
        std::sort(v.begin(), v.end());
        if (S == 2 || S == 3) want = v.empty() ? 0 : v[(v.size() - 1) / 2];
        else want = int(sum / long(std::max<size_t>(v.size(), 1)));
      }
      if (out[size_t(y) * wp + x] != want) emu_fail("S=%d %dx%d (%d, %d): %d, want %d", S, h, w, y, x, out[size_t(y) * wp + x], want);
    }
}

}  // namespace

int main() {
  std::mt19937 rng(5);
  const int sizes[][2] = {{2, 2}, {3, 3}, {7, 9}, {33, 65}, {64, 64}, {17, 130}};
  for (auto& s : sizes) {
    run<1>(s[0], s[1], rng); run<2>(s[0], s[1], rng); run<3>(s[0], s[1], rng); run<4>(s[0], s[1], rng);
    run<5>(s[0], s[1], rng); run<6>(s[0], s[1], rng); run<7>(s[0], s[1], rng); run<8>(s[0], s[1], rng);
  }
  return emu_finish("kernels.emu.decimation");
}
