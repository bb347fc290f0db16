// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the CPU twins (sgm_cpu.cpp, sgm_refine_cpu.cpp): threads and the census.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

// Feature-based clones: an "arch=" clone would be picked by CPU model and skip AMD parts.
#define ROBOMLX_SIMD_CLONES __attribute__((target_clones("avx2", "default")))

namespace robomlx::stereo::detail {

inline int thread_count(int work_items) {
  const int hw = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, std::min({hw, 16, work_items}));
}

/// Runs f(begin, end) over [0, n) split into contiguous ranges, one per thread.
template <class F>
void parallel_for(int n, F&& f) {
  const int t = thread_count(n);
  if (t == 1) {
    f(0, n);
    return;
  }
  std::vector<std::thread> pool;
  for (int i = 0; i < t; ++i) pool.emplace_back([&, i] { f(n * i / t, n * (i + 1) / t); });
  for (auto& th : pool) th.join();
}

/// Rows [y0, y1) of the census transform (sgm_internal.h definition) of img [h, w].
void census_rows(const float* img, int h, int w, int cw, int ch, std::uint64_t* out, int y0, int y1);

}  // namespace robomlx::stereo::detail
