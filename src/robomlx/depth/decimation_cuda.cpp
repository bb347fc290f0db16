// SPDX-License-Identifier: Apache-2.0
// CUDA twin of Z16 decimation (decimation_twins.h): one fast::cuda_kernel thread per output pixel,
// the s x s block's lower median of non-zero samples (s = 2, 3; a sorting network on registers) or
// their integer mean (s >= 4), zero padding to a multiple of 4.
#include "robomlx/depth/decimation_twins.h"

#include <stdexcept>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"

namespace robomlx::depth {

namespace {

// S: scale (template constant). Output [hp, wp]; 2D grid over it.
constexpr const char* kSource = R"(
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  const int h = depth_shape[0], w = depth_shape[1];
  const int hr = h / S, wr = w / S, hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  if (x >= wp || y >= hp) return;
  unsigned short r = 0;
  if (y < hr && x < wr) {
    const uint16_t* b = depth + (long long)y * S * w + (long long)x * S;
    if (S == 2 || S == 3) {
      // v - 1 maps 0 to 65535, above every valid value: sorted, the n valid samples come first and
      // rank (n - 1) / 2 plus 1 is the lower median (n = 0 gives 65535 + 1 = 0).
      unsigned int p[S * S < 9 ? 9 : S * S];
      int n = 0;
#pragma unroll
      for (int k = 0; k < S * S; ++k) {
        const unsigned int d = b[(long long)(k / S) * w + k % S];
        n += d != 0;
        p[k] = (d - 1u) & 0xFFFFu;
      }
#define RS_CS(i, j) { const unsigned int a = p[i], c = p[j]; p[i] = min(a, c); p[j] = max(a, c); }
      if (S == 2) {
        RS_CS(0, 1) RS_CS(2, 3) RS_CS(0, 2) RS_CS(1, 3) RS_CS(1, 2)
      } else {
        RS_CS(0, 3) RS_CS(1, 7) RS_CS(2, 5) RS_CS(4, 8) RS_CS(0, 7) RS_CS(2, 4) RS_CS(3, 8) RS_CS(5, 6) RS_CS(0, 2)
        RS_CS(1, 3) RS_CS(4, 5) RS_CS(7, 8) RS_CS(1, 4) RS_CS(3, 6) RS_CS(5, 7) RS_CS(0, 1) RS_CS(2, 4) RS_CS(3, 5)
        RS_CS(6, 8) RS_CS(2, 3) RS_CS(4, 5) RS_CS(6, 7) RS_CS(1, 2) RS_CS(3, 4) RS_CS(5, 6)
      }
#undef RS_CS
      unsigned int o = p[0];
#pragma unroll
      for (int k = 1; k <= (S * S - 1) / 2; ++k) o = n >= 2 * k + 1 ? p[k] : o;
      r = (unsigned short)(o + 1u);
    } else {
      int sum = 0, count = 0;
      for (int dy = 0; dy < S; ++dy) {
#pragma unroll
        for (int dx = 0; dx < S; ++dx) {
          const int d = b[(long long)dy * w + dx];
          sum += d;
          count += d != 0;
        }
      }
      r = (unsigned short)(sum / max(count, 1));
    }
  }
  out[(long long)y * wp + x] = r;
)";

}  // namespace

namespace detail {

mx::array decimate_z16_cuda(const mx::array& depth, int s, mx::Stream stream) {
  if (!is_cuda_device(stream.device)) throw std::runtime_error("[depth.decimation/cuda] needs a CUDA GPU stream");
  static const auto kernel = mx::fast::cuda_kernel("robomlx_depth_decimate", {"depth"}, {"out"}, kSource, "", true);
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return kernel({depth}, {{hp, wp}}, {mx::uint16}, {wp, hp, 1}, {32, 8, 1}, {{"S", s}}, std::nullopt, false, stream)[0];
}

}  // namespace detail

}  // namespace robomlx::depth
