// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/decimation_cuda.h"

#include <mlx/fast.h>
#include <mlx/ops.h>

namespace robomlx::depth {

namespace {

constexpr const char* kSource = R"(
  const int H = depth_shape[0], W = depth_shape[1];
  const int hr = H / S, wr = W / S, hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= hp * wp) return;
  const int y = i / wp, x = i % wp;
  if (y >= hr || x >= wr) {
    out[i] = 0;
    return;
  }
  if (S == 2 || S == 3) {
    unsigned short v[9];
    int n = 0;
    for (int dy = 0; dy < S; ++dy)
      for (int dx = 0; dx < S; ++dx) {
        const unsigned short p = depth[(y * S + dy) * W + x * S + dx];
        if (p == 0) continue;
        int j = n++;
        for (; j > 0 && v[j - 1] > p; --j) v[j] = v[j - 1];
        v[j] = p;
      }
    out[i] = n > 0 ? v[(n - 1) / 2] : 0;
  } else {
    int n = 0, sum = 0;
    for (int dy = 0; dy < S; ++dy)
      for (int dx = 0; dx < S; ++dx) {
        const int p = depth[(y * S + dy) * W + x * S + dx];
        n += p != 0;
        sum += p;
      }
    out[i] = (unsigned short)(sum / (n > 0 ? n : 1));
  }
)";

}  // namespace

mx::array decimate_z16_cuda(const mx::array& depth, int s) {
  static const auto kernel = mx::fast::cuda_kernel("rs_decimate_z16", {"depth"}, {"out"}, kSource);
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return kernel({depth}, {{hp, wp}}, {mx::uint16}, {hp * wp, 1, 1}, {256, 1, 1}, {{"S", s}}, std::nullopt, true,
                {})[0];
}

}  // namespace robomlx::depth
