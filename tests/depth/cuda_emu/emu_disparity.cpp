// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.disparity: disparity_gpu.cpp's two kernels on the host emulator against the
// formulas written plainly here, bit for bit: k / z (0 for z = 0), and uint16(int32(k / d + 0.5))
// for normal d (else 0) with the int32 conversion saturated as x86's, over every uint16 depth and
// disparities including 0, -0, subnormals, infinities, NaN and values that overflow int32.
#include <cfloat>
#include <limits>
#include <random>

#include "depth_kernels.h"

namespace {

template <int K_BITS>
void run() {
  const float k = __int_as_float(K_BITS);
  // Every depth value once.
  std::vector<uint16_t> depth(65536);
  for (int i = 0; i < 65536; ++i) depth[i] = uint16_t(i);
  std::vector<float> disp(depth.size());
  mlx_launch_serial({65536}, {256}, [&] {
    robomlx_depth_to_disparity::kernel<K_BITS>(depth.data(), shape_of({256, 256}), disp.data());
  });
  for (int i = 0; i < 65536; ++i) {
    const float want = i == 0 ? 0.0f : k / float(i);
    if (__float_as_int(disp[i]) != __float_as_int(want)) emu_fail("k=%g: to_disparity(%d) = %g, want %g", k, i, disp[i], want);
  }
  // Disparities: special values, then a spread.
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> d = {0.0f, -0.0f, FLT_MIN, FLT_MIN / 2, -FLT_MIN, 1e-30f, 1e-6f, 0.5f, 1.0f, 3.0f, -3.0f,
                          k, 2 * k, 1e30f, inf, -inf, std::numeric_limits<float>::quiet_NaN()};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-200.0f, 2000.0f);
  while (d.size() < 1000) d.push_back(u(rng));
  std::vector<uint16_t> z(d.size(), 7);
  const int n = int(d.size());
  mlx_launch_serial({unsigned(n)}, {256}, [&] {
    robomlx_disparity_to_depth::kernel<K_BITS>(d.data(), shape_of({n / 10, 10}), z.data());
  });
  for (int i = 0; i < n; ++i) {
    const float a = std::fabs(d[i]);
    float v = k / d[i] + 0.5f;
    v = v < -2147483648.0f ? -2147483648.0f : v;
    v = v > 2147483520.0f ? 2147483520.0f : v;
    const uint16_t want = a >= FLT_MIN && a < inf ? uint16_t(int32_t(v)) : uint16_t(0);
    if (z[i] != want) emu_fail("k=%g: to_depth(%g) = %d, want %d", k, d[i], z[i], want);
  }
}

}  // namespace

int main() {
  run<0x461c4000>();  // k = 10000
  run<0x3f800000>();  // k = 1
  run<0x4d8f0d18>();  // k = 3e8
  return emu_finish("kernels.emu.disparity");
}
