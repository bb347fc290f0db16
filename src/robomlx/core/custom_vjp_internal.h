// SPDX-License-Identifier: Apache-2.0
// Private (not installed): mx::custom_vjp on a given stream, for the ops with their own backward
// (sparse: MVMR, VVOR, the segment reductions; splat: the blend twins). Their forward and
// backward pass `s` to every op they build; MLX's custom_vjp itself takes no stream and would put
// its (compute-free) bookkeeping node,
// which the op's result is the output of, on the default stream. Building it inside a
// StreamContext puts that node on `s` as well, so the whole op runs where the caller asked.
#pragma once

#include <utility>
#include <vector>

#include <mlx/array.h>
#include <mlx/transforms.h>
#include <mlx/utils.h>

namespace robomlx::detail {

namespace mx = mlx::core;

/// mx::custom_vjp(forward, backward)(primals), built on stream `s`.
template <typename Forward, typename Backward>
std::vector<mx::array> custom_vjp_on(mx::Stream s, Forward&& forward, Backward&& backward,
                                     const std::vector<mx::array>& primals) {
  mx::StreamContext on(s);
  return mx::custom_vjp(std::forward<Forward>(forward), std::forward<Backward>(backward))(primals);
}

}  // namespace robomlx::detail
