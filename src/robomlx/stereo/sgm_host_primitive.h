// SPDX-License-Identifier: Apache-2.0
// A Primitive that runs a host function over [H, W] float32 images on a CPU stream: the
// threaded CPU twin of the SGM core and the sequential speckle filter use it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace robomlx::stereo::detail {

namespace mx = mlx::core;

/// in: row-major [h, w] images; out: n_out preallocated [h, w] images.
using HostImageFn = std::function<void(const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w)>;

/// Lazily applies `fn` to `inputs` ([H, W], converted to contiguous float32) on the CPU stream;
/// returns n_out [H, W] float32 arrays. The function may start its own threads.
std::vector<mx::array> host_image_op(const std::string& name, const std::vector<mx::array>& inputs, int n_out,
                                     HostImageFn fn);

}  // namespace robomlx::stereo::detail
