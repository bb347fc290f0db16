// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.scan: core/ragged_gpu.cpp's two launches (chunk totals, then chunk scans, with
// and without the leading zero) on the host emulator against a running sum, bit for bit (int32).
#include <random>

#include "core_kernels.h"

int main() {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> value(-50, 200);
  for (int n : {1, 7, 255, 2047, 2048, 2049, 5000}) {
    std::vector<int32_t> x(n);
    for (auto& v : x) v = value(rng);
    std::vector<int32_t> want(n + 1, 0);
    for (int i = 0; i < n; ++i) want[i + 1] = want[i] + x[i];
    const unsigned blocks = (n + 2047) / 2048;
    const Shape shape = shape_of({n});
    std::vector<int32_t> totals(blocks, -7);
    mlx_launch({blocks * 256}, {256}, [&] { robomlx_scan_totals::kernel(x.data(), shape, totals.data()); });
    for (int lead : {0, 1}) {
      std::vector<int32_t> out(n + lead, -7);
      mlx_launch({blocks * 256}, {256}, [&] {
        if (lead) robomlx_scan_chunks::kernel<1>(x.data(), shape, totals.data(), out.data());
        else robomlx_scan_chunks::kernel<0>(x.data(), shape, totals.data(), out.data());
      });
      for (int i = 0; i < n + lead; ++i)
        if (out[i] != want[i + 1 - lead]) emu_fail("n=%d lead=%d out[%d] = %d, want %d", n, lead, i, out[i], want[i + 1 - lead]);
    }
  }
  return emu_finish("kernels.emu.scan");
}
