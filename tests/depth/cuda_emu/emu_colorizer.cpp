// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.colorizer: colorizer_gpu.cpp's launches on the host emulator (the
// warp-aggregated histogram, a running sum standing in for the CUDA cumsum, the lookup) against
// the colorizer's formulas written plainly here, bit for bit: equalised and linear, Z16 and
// disparity data, NaN and out-of-table values, an empty range.
#include <limits>
#include <random>

#include "depth_kernels.h"

namespace {

int bin(float x) { return std::isnan(x) ? 0 : int(std::min(std::max(x, 0.0f), 65535.0f)); }

template <typename D, int H, int W, int STEPS>
void run(bool equalize, float units, float lo, float hi, std::mt19937& rng) {
  constexpr int N = H * W;
  constexpr bool DISPARITY = std::is_same_v<D, float>;
  std::vector<D> data(N);
  std::uniform_int_distribution<int> v(0, 9000), kind(0, 9);
  for (auto& d : data) {
    const int k = kind(rng);
    if constexpr (DISPARITY)
      d = k == 0 ? 0.0f : k == 1 ? std::numeric_limits<float>::quiet_NaN() : k == 2 ? -3.0f : k == 3 ? 70000.5f : v(rng) / 13.0f;
    else
      d = k == 0 ? 0 : k == 1 ? 65535 : uint16_t(v(rng));
  }
  std::vector<uint8_t> table(3 * (STEPS + 1));
  for (auto& t : table) t = uint8_t(rng());
  // Reference: cum over bins 1.. (bin 0 holds the zeros and NaNs, which the lookup leaves black
  // or maps through bin 0).
  std::vector<int> cum(65536, 0);
  for (int i = 0; i < N; ++i) cum[bin(float(data[i]))]++;
  for (int i = 2; i < 65536; ++i) cum[i] += cum[i - 1];
  std::vector<uint8_t> want(3 * N);
  for (int i = 0; i < N; ++i) {
    const float x = float(data[i]);
    if (x == 0.0f) continue;
    float f;
    if (equalize) f = float(cum[bin(x)]) / float(cum[65535]);
    else if (DISPARITY) f = (x - lo) / (hi - lo);
    else f = lo >= hi ? 0.0f : (x * units - lo) / (hi - lo);
    f = f > 1.0f ? 1.0f : f;
    f = f > 0.0f ? f : 0.0f;
    const int k = int(f * float(STEPS));
    for (int c = 0; c < 3; ++c) want[3 * i + c] = table[3 * k + c];
  }
  // Kernels: hist zero-initialised (init_value 0), 256-thread blocks over the N values.
  std::vector<int32_t> hist(equalize ? 65536 : 1, 0), csum = hist;
  if (equalize) {
    mlx_launch({N}, {256}, [&] { robomlx_depth_colorizer_hist::kernel<N, D>(data.data(), hist.data()); });
    for (int i = 0, s = 0; i < 65536; ++i) csum[i] = s += hist[i];
  }
  const float params[3] = {units, lo, hi - lo};
  std::vector<uint8_t> out(3 * N, 7);
  mlx_launch_serial({N}, {256}, [&] {
    if (equalize)
      robomlx_depth_colorizer_lookup::kernel<N, STEPS, DISPARITY, true, D>(data.data(), hist.data(), csum.data(),
                                                                              table.data(), params, out.data());
    else
      robomlx_depth_colorizer_lookup::kernel<N, STEPS, DISPARITY, false, D>(data.data(), hist.data(), csum.data(),
                                                                               table.data(), params, out.data());
  });
  for (int i = 0; i < 3 * N; ++i)
    if (out[i] != want[i]) {
      emu_fail("%s equalize=%d %dx%d value %g channel %d: %d, want %d", DISPARITY ? "disparity" : "z16", equalize, H, W,
               double(data[i / 3]), i % 3, out[i], want[i]);
      break;
    }
}

}  // namespace

int main() {
  std::mt19937 rng(13);
  run<uint16_t, 17, 33, 255>(true, 0.001f, 0.0f, 6.0f, rng);
  run<uint16_t, 17, 33, 4000>(false, 0.001f, 0.3f, 6.0f, rng);
  run<uint16_t, 5, 7, 255>(false, 0.001f, 2.0f, 2.0f, rng);  // lo >= hi: the first colour
  run<uint16_t, 40, 64, 4000>(true, 0.001f, 0.0f, 6.0f, rng);
  run<float, 17, 33, 255>(false, 1.0f, 5.0f, 400.0f, rng);
  run<float, 19, 31, 4000>(true, 1.0f, 5.0f, 400.0f, rng);
  return emu_finish("kernels.emu.colorizer");
}
