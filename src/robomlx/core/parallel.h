// SPDX-License-Identifier: Apache-2.0
// The one host thread helper the CPU twins share: a dynamic parallel loop over [0, n).
#pragma once

#include <cstdint>
#include <functional>

namespace robomlx {

/// The CPUs this thread may run on (its affinity mask on Linux, so `taskset`, cgroup cpusets and
/// containers count; hardware_concurrency elsewhere), capped by ROBOMLX_NUM_THREADS when that is
/// set to a positive integer; at least 1. Every thread pool of the CPU twins is sized from it.
int usable_cpus();

/// Number of threads parallel_for would use for `n` items of at least `min_chunk` each:
/// min(usable_cpus(), n / min_chunk), and at least 1.
int parallel_threads(std::int64_t n, std::int64_t min_chunk);

/// Runs fn(begin, end) over disjoint ranges covering [0, n) exactly once, on up to
/// parallel_threads(n, min_chunk) threads (the caller's thread is one of them).
///
/// Work is handed out dynamically: [0, n) is cut into about 8 ranges per thread, taken in order
/// from a shared counter, which balances uneven items; so `min_chunk` bounds the work per
/// *thread*, not per call of fn, and the ranges a given thread sees are not fixed. Callers that
/// need a fixed partition or per-thread state indexed by thread id must not use this.
/// With one thread (n < 2 * min_chunk, one core, or ROBOMLX_NUM_THREADS=1) fn(0, n) runs inline.
/// n <= 0 calls nothing. If fn throws, no further ranges are started, the threads are joined
/// and the first exception is rethrown on the caller's thread.
void parallel_for(std::int64_t n, std::int64_t min_chunk,
                  const std::function<void(std::int64_t begin, std::int64_t end)>& fn);

}  // namespace robomlx
