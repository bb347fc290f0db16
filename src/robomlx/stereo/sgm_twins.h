// SPDX-License-Identifier: Apache-2.0
// Private (not installed): the implementations behind compute_disparity (sgm.h). Arguments are
// validated by the caller; images are [H, W] float32 (0..255). Each returns {disparity,
// confidence} [H, W] float32 and runs on the stream it is given.
//   stereo.sgm    the core (cost .. median): portable, CPU twin, GPU twin (CUDA and Metal);
//   stereo.refine the coarse-to-fine re-match of the pyramid path: portable, CPU twin; the CPU
//                 twin also runs the whole pyramid as one host op when both pick it.
#pragma once

#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

/// MLX ops only (any device; the parity reference): sgm.cpp.
std::vector<mx::array> sgm_core_portable(const mx::array& left, const mx::array& right, const CoreParams& p,
                                         mx::Stream s);
/// Threaded host loops in a Primitive (CPU streams): sgm_cpu.cpp.
std::vector<mx::array> sgm_core_cpu(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s);
/// GpuKernel (CUDA and Metal streams): sgm_gpu.cpp; K <= 8 disparities per lane.
constexpr int kGpuMaxDisparities = 256;
bool sgm_gpu_supports(const CoreParams& p);
std::vector<mx::array> sgm_core_gpu(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s);

/// Coarse-to-fine refinement: census cost at c + [-radius, radius] around c = round(coarse)
/// clipped to the range, summed over a (2 kRefineBox + 1)^2 box, WTA + parabola; invalid where
/// coarse < 0. Returns the refined disparity [H, W]. Portable: sgm.cpp; CPU: sgm_cpu_refine.cpp.
mx::array sgm_refine_portable(const mx::array& left, const mx::array& right, const mx::array& coarse,
                              const CoreParams& p, int radius, mx::Stream s);
mx::array sgm_refine_cpu(const mx::array& left, const mx::array& right, const mx::array& coarse, const CoreParams& p,
                         int radius, mx::Stream s);
/// The whole pyramid path of compute_disparity (downsample by `factor`, core with `coarse`
/// params, nearest upsampling, refinement with `p` when radius > 0) as one CPU host op
/// (sgm_cpu_refine.cpp).
std::vector<mx::array> sgm_pyramid_cpu(const mx::array& left, const mx::array& right, const CoreParams& p,
                                       const CoreParams& coarse, int factor, int radius, mx::Stream s);

}  // namespace robomlx::stereo::detail
