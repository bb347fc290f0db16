// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the colorizer (colorizer_twins.h): an atomicAdd histogram kernel, a prefix sum and
// one lookup kernel (three launches instead of the portable path's ~12). Same float32 formulas with
// explicit round-to-nearest intrinsics, so outputs equal the portable path.
#include "robomlx/depth/colorizer_twins.h"

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/scan_cuda.h"
#include "robomlx/depth/colorizer.h"
#include "robomlx/depth/cuda_params_internal.h"

namespace robomlx::depth {

namespace {

// (int) of the value kept inside the 65536-bin table, NaN -> 0 (as the portable path).
constexpr const char* kHeader = R"(
__device__ inline int robomlx_bin(float x) {
  if (isnan(x)) return 0;
  return (int)fminf(fmaxf(x, 0.0f), 65535.0f);
}
)";

// Warp-aggregated: lanes with the same bin (holes, flat surfaces) add once through their leader,
// so the atomics on hot bins do not serialise. No early return: every lane joins the match.
constexpr const char* kHistSource = R"(
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const bool ok = i < N;
  const int b = ok ? robomlx_bin((float)data[i]) : -1;
  const unsigned int peers = __match_any_sync(__activemask(), b);
  if (ok && (int)(threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(&hist[b], (int)__popc(peers));
)";

// params: units, lo, hi - lo (a cached array). cum: inclusive cumsum of hist. EQUALIZE, DISPARITY,
// STEPS: template constants.
constexpr const char* kLookupSource = R"(
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= N) return;
  const float x = (float)data[i];
  unsigned char* o = out + 3 * i;
  if (x == 0.0f) { o[0] = 0; o[1] = 0; o[2] = 0; return; }
  float f;
  if (EQUALIZE) {
    const int b = robomlx_bin(x);
    const int h0 = hist[0];
    const int c = b == 0 ? h0 : cum[b] - h0;
    f = __fdiv_rn((float)c, (float)(cum[65535] - h0));
  } else if (DISPARITY) {
    f = __fdiv_rn(__fsub_rn(x, params[1]), params[2]);
  } else if (params[2] <= 0.0f) {
    f = 0.0f;
  } else {
    f = __fdiv_rn(__fsub_rn(__fmul_rn(x, params[0]), params[1]), params[2]);
  }
  f = f > 1.0f ? 1.0f : f;
  f = f > 0.0f ? f : 0.0f;
  const int k = (int)__fmul_rn(f, (float)STEPS);
  o[0] = table[3 * k]; o[1] = table[3 * k + 1]; o[2] = table[3 * k + 2];
)";

}  // namespace

namespace detail {

mx::array colorize_cuda(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi, mx::Stream s) {
  static const auto hist_kernel =
      mx::fast::cuda_kernel("robomlx_depth_colorizer_hist", {"data"}, {"hist"}, kHistSource, kHeader, true);
  static const auto lookup_kernel = mx::fast::cuda_kernel(
      "robomlx_depth_colorizer_lookup", {"data", "hist", "cum", "table", "params"}, {"out"}, kLookupSource, kHeader, true);
  const mx::array table = colormap_table(scheme);
  const int h = data.shape(0), w = data.shape(1), n = h * w;
  const bool disparity = data.dtype() == mx::float32;
  // lo >= hi gives f = 0 for Z16 (params[2] <= 0 there); the disparity formula has no such guard.
  // Cached device arrays, not per-frame host arrays (those page-migrate on every launch).
  const auto params_array = detail::cached_floats({units, lo, hi - lo});
  const int steps = table.shape(0) - 1;
  mx::array hist = detail::cached_ints({0}), cum = hist;
  if (equalize) {
    hist = hist_kernel({data}, {{65536}}, {mx::int32}, {n, 1, 1}, {256, 1, 1},
                       {{"N", n}}, 0.0f, false, s)[0];
    // core's two-launch scan (it runs on the GPU's default stream; MLX orders it after `hist`).
    cum = cumsum_int32_cuda(hist, /*leading_zero=*/false);
  }
  return lookup_kernel({data, hist, cum, table, params_array}, {{h, w, 3}}, {mx::uint8}, {n, 1, 1}, {256, 1, 1},
                       {{"N", n}, {"STEPS", steps}, {"DISPARITY", disparity}, {"EQUALIZE", equalize}}, std::nullopt, false, s)[0];
}

}  // namespace detail

}  // namespace robomlx::depth
