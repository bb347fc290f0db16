// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind spatial_filter(). Arguments are validated by the caller;
// `image` is [H, W] uint16 or float32 with H, W >= 2.
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/spatial_filter.h"

namespace robomlx::depth::detail {

/// MLX ops only (runs on any device); the parity reference for the twins.
mx::array spatial_filter_portable(const mx::array& image, const SpatialFilterOptions& options, mx::Stream s);
/// The float (disparity) part of spatial_filter_portable (spatial_filter_float.cpp).
mx::array spatial_filter_float(const mx::array& image, const SpatialFilterOptions& options, mx::Stream s);
/// Refinement steps per pass that the portable float path runs before its one check (default 30,
/// per thread; tests set fewer to exercise the rerun with checked sweeps). At least 1.
int& spatial_refine_steps();
/// Threaded host loops in a Primitive (CPU streams). threads = 0 picks from the core count;
/// threads = 1 is librealsense's single-core loop order (the bench's like-for-like peer).
mx::array spatial_filter_cpu(const mx::array& image, const SpatialFilterOptions& options, mx::Stream s, int threads = 0);
/// GpuKernel, one thread per row or column (CUDA and Metal streams).
mx::array spatial_filter_gpu(const mx::array& image, const SpatialFilterOptions& options, mx::Stream s);

}  // namespace robomlx::depth::detail
