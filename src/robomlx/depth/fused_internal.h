// SPDX-License-Identifier: Apache-2.0
// Internal: the depth filters' portable paths: fused kernels (core's run_fused) and host syncs.
#pragma once

#include <functional>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/transforms.h>
#include <mlx/utils.h>

#include "robomlx/core/fused_internal.h"

namespace robomlx::depth::detail {

namespace mx = mlx::core;

using robomlx::detail::FusableFn;
using robomlx::detail::run_fused;

/// The host syncs the portable paths make on this thread (a data-dependent check each: the spatial
/// filter's refinement, hole filling's rounds), and a probe the bench sets to see what each one
/// evaluates (the graph behind it, which the sync cuts from the caller's graph).
struct PortableSyncs {
  long count = 0;
  std::function<void(const std::vector<mx::array>&)> probe;
};

inline PortableSyncs& portable_syncs() {
  thread_local PortableSyncs syncs;
  return syncs;
}

/// mx::eval(arrays), counted, and shown to the probe first.
inline void portable_sync(const std::vector<mx::array>& arrays) {
  auto& syncs = portable_syncs();
  ++syncs.count;
  if (syncs.probe) syncs.probe(arrays);
  mx::eval(arrays);
}

}  // namespace robomlx::depth::detail
