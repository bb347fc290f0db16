// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the CPU twins (sgm_cpu.cpp, sgm_refine_cpu.cpp): threads and the census.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "robomlx/core/parallel.h"

// Feature-based clones: an "arch=" clone would be picked by CPU model and skip AMD parts.
#define ROBOMLX_SIMD_CLONES __attribute__((target_clones("avx2", "default")))

namespace robomlx::stereo::detail {

/// Thread count for the fixed, barrier-synchronised column split of the vertical paths
/// (sgm_cpu.cpp), which needs exactly one range per thread; row loops use robomlx::parallel_for.
inline int thread_count(int work_items) {
  const int hw = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, std::min({hw, 16, work_items}));
}

/// Rows [y0, y1) of the census transform (sgm_internal.h definition) of img [h, w].
void census_rows(const float* img, int h, int w, int cw, int ch, std::uint64_t* out, int y0, int y1);

}  // namespace robomlx::stereo::detail
