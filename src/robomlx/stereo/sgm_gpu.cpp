// SPDX-License-Identifier: Apache-2.0
// GPU twin of the SGM core (GpuKernel: fast::cuda_kernel on CUDA streams, fast::metal_kernel on
// Metal streams, from one kernel text; Metal unverified): census -> path aggregation (one warp
// per scanline and path, costs on the fly) -> per-pixel selection (one warp per pixel) -> LR
// check -> median. Kernel bodies live in kernels/sgm_*.cu.
#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/stereo/sgm_twins.h"

#include "robomlx/stereo/kernels/sgm_aggregate.cu.h"
#include "robomlx/stereo/kernels/sgm_census.cu.h"
#include "robomlx/stereo/kernels/sgm_left_right.cu.h"
#include "robomlx/stereo/kernels/sgm_median.cu.h"
#include "robomlx/stereo/kernels/sgm_select.cu.h"

namespace robomlx::stereo::detail {

namespace {

const GpuKernel& kernel(int which) {
  // Built once: each kernel object is one NVRTC module / Metal library per template set.
  static const GpuKernel kernels[] = {
      GpuKernel("robomlx_sgm_census", {"left", "right"}, {"cl", "cr"}, kernels::sgm_census_cu),
      GpuKernel("robomlx_sgm_aggregate", {"cl", "cr", "left", "right"}, {"lr"}, kernels::sgm_aggregate_cu),
      GpuKernel("robomlx_sgm_select", {"lr", "params"}, {"s", "disp", "kbest", "conf"}, kernels::sgm_select_cu),
      GpuKernel("robomlx_sgm_left_right", {"s", "disp", "kbest", "conf"}, {"disp_lr", "conf_lr"},
                kernels::sgm_left_right_cu),
      GpuKernel("robomlx_sgm_median", {"disp", "conf"}, {"disp_med", "conf_med"}, kernels::sgm_median_cu),
  };
  return kernels[which];
}

}  // namespace

bool sgm_gpu_supports(const CoreParams& p) { return p.num_d <= kGpuMaxDisparities; }

std::vector<mx::array> sgm_core_gpu(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s) {
  const int h = left.shape(0), w = left.shape(1), nd = p.num_d, k = (nd + 31) / 32;
  auto lf = mx::astype(left, mx::float32, s), rf = mx::astype(right, mx::float32, s);
  const Dim3 block{256, 1, 1};
  auto census = kernel(0)({lf, rf}, {{h, w}, {h, w}}, {mx::uint64, mx::uint64}, {h * w, 1, 1}, block,
                          {{"H", h}, {"W", w}, {"CW", p.census_w}, {"CH", p.census_h}}, std::nullopt, s);
  // Path costs are <= cost_max + P2: one byte each when that fits.
  const mx::Dtype t = cost_max(p) + p.p2 <= 255 ? mx::uint8 : mx::uint16;
  auto lr = kernel(1)({census[0], census[1], lf, rf}, {{p.paths, h, w, nd}}, {t}, {32 * (w + h - 1), p.paths, 1},
                      {128, 1, 1},
                      {{"H", h}, {"W", w}, {"D", nd}, {"K", k}, {"MIN_D", p.min_d}, {"P1", p.p1}, {"P2", p.p2},
                       {"AD", p.cost == CostKind::ad_census}, {"OUTSIDE", cost_max(p)}, {"T", t}},
                      std::nullopt, s)[0];
  auto params = mx::array({p.uniqueness});
  auto sel = kernel(2)({lr, params}, {{h, w, nd}, {h, w}, {h, w}, {h, w}},
                       {mx::uint16, mx::float32, mx::int32, mx::float32}, {32 * h * w, 1, 1}, block,
                       {{"H", h}, {"W", w}, {"D", nd}, {"K", k}, {"P", p.paths}, {"MIN_D", p.min_d},
                        {"SUBPIX", p.subpixel}, {"T", t}},
                       std::nullopt, s);
  auto out = kernel(3)({sel[0], sel[1], sel[2], sel[3]}, {{h, w}, {h, w}}, {mx::float32, mx::float32},
                       {h * w, 1, 1}, block,
                       {{"H", h}, {"W", w}, {"D", nd}, {"MIN_D", p.min_d}, {"LR_PLUS_1", std::max(0, p.lr_max_diff + 1)}},
                       std::nullopt, s);
  if (p.median > 1)
    out = kernel(4)({out[0], out[1]}, {{h, w}, {h, w}}, {mx::float32, mx::float32}, {h * w, 1, 1}, block,
                    {{"H", h}, {"W", w}, {"MS", p.median}}, std::nullopt, s);
  return out;
}

}  // namespace robomlx::stereo::detail
