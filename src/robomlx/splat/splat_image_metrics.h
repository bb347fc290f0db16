// SPDX-License-Identifier: Apache-2.0
// splat.metrics: the image losses and scores of Gaussian-splatting training and evaluation, as
// the 3DGS papers report them (MLX ops, differentiable).
//
// Images are planar float32 [C, H, W] (the rasterizer's colour output), values nominally in
// [0, 1]; both operands of one call have the same shape.
//   ssim_map: the structural similarity of Wang et al. 2004 at every pixel, per channel, with an
//     11x11 Gaussian window (sigma 1.5, normalised to sum 1) and C1 = 0.01^2, C2 = 0.03^2 (peak
//     1). The window is applied with zero padding ("same" output, as graphdeco's trainer and its
//     evaluation do), so border pixels see a window that sums to less than one: kept, because
//     published 3DGS SSIMs are computed this way.
//   ssim: the mean of ssim_map (a scalar).
//   psnr: 10 log10(1 / mse) over all elements (peak 1; +inf for identical images).
// Errors: std::invalid_argument "[splat.metrics] ..." for other ranks, shapes or dtypes.
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::splat {

namespace mx = mlx::core;

mx::array ssim_map(const mx::array& a, const mx::array& b, mx::StreamOrDevice s = {});
mx::array ssim(const mx::array& a, const mx::array& b, mx::StreamOrDevice s = {});
mx::array psnr(const mx::array& a, const mx::array& b, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
