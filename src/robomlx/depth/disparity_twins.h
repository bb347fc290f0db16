// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind depth_to_disparity() / disparity_to_depth() (disparity.h).
// Arguments are validated by the caller; k > 0 is disparity_factor(). Same float32 operations in
// the same order in every path (k / z; k / d + 0.5f, clamp, truncate to int32, keep the low 16
// bits), compiled without fma contraction, so outputs are identical.
#pragma once

#include <cstdint>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/cpu_isa_internal.h"

namespace robomlx::depth {

namespace mx = mlx::core;

namespace detail {

/// depth [H, W] uint16 -> [H, W] float32: 0 where depth is 0, else k / depth.
mx::array depth_to_disparity_portable(const mx::array& depth, float k, mx::Stream s);
/// disparity [H, W] float32 -> [H, W] uint16: 0 where !isnormal(d), else uint16(int32(k / d + 0.5f)).
mx::array disparity_to_depth_portable(const mx::array& disparity, float k, mx::Stream s);

/// One threaded pass each (custom Primitives) instead of the portable chain of whole-image ops on
/// one thread (CPU streams).
mx::array depth_to_disparity_cpu(const mx::array& depth, float k, mx::Stream s);
mx::array disparity_to_depth_cpu(const mx::array& disparity, float k, mx::Stream s);

/// The CPU twins' loops over n values, at the given width (usable_cpu_isa lowers it to what the
/// CPU runs). Every width gives the generic loop's values bit for bit (tests: DisparityRows.*).
void depth_to_disparity_row(const std::uint16_t* z, float* d, std::int64_t n, float k, CpuIsa isa);
void disparity_to_depth_row(const float* d, std::uint16_t* z, std::int64_t n, float k, CpuIsa isa);

/// GpuKernel, one thread per pixel, k a template constant (its float bits); explicit
/// round-to-nearest intrinsics keep results equal to the CPU twin bit for bit (CUDA; CUDA and
/// Metal streams).
mx::array depth_to_disparity_gpu(const mx::array& depth, float k, mx::Stream s);
mx::array disparity_to_depth_gpu(const mx::array& disparity, float k, mx::Stream s);

}  // namespace detail

}  // namespace robomlx::depth
