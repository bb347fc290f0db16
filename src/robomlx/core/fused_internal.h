// SPDX-License-Identifier: Apache-2.0
// Internal: running a function of MLX ops as fused kernels (mx::compile) on a given stream, for
// the portable paths of the systems (depth filters, stereo selection).
#pragma once

#include <vector>

#include <mlx/array.h>
#include <mlx/compile.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

namespace robomlx::detail {

namespace mx = mlx::core;

using FusableFn = std::vector<mx::array> (*)(const std::vector<mx::array>&, mx::StreamOrDevice);

/// F(inputs) as one fused kernel where possible: a compiled graph runs on the stream it was traced
/// on, so it is compiled (once per thread; traced again per input shapes) only when s is the
/// thread's default stream; on any other stream F runs op by op on s. Not shapeless: a shapeless
/// trace puts a Broadcast before every binary op, and fusion stops 11 ops deep. Same ops either
/// way, but a fused kernel's compiler (GPU, or clang on Arm) may contract a*b+c into an fma: fuse
/// integer work, divisions and comparisons freely, products followed by sums only where that
/// rounding is acceptable.
template <FusableFn F>
std::vector<mx::array> run_fused(const std::vector<mx::array>& inputs, mx::Stream s) {
  if (s != mx::default_stream(mx::default_device())) return F(inputs, s);
  thread_local auto fused = mx::compile(+[](const std::vector<mx::array>& in) { return F(in, {}); });
  return fused(inputs);
}

}  // namespace robomlx::detail
