// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace robomlx {

namespace {
// Read on each call (cheap) so tests and embedding processes can change it at run time.
std::int64_t env_threads() {
  const char* s = std::getenv("ROBOMLX_NUM_THREADS");
  if (s == nullptr || *s == '\0') return 0;
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  return (*end == '\0' && v > 0) ? v : 0;  // unset, malformed or <= 0: no limit
}
}  // namespace

int usable_cpus() {
  std::int64_t t = std::max(1u, std::thread::hardware_concurrency());
#if defined(__linux__)
  // hardware_concurrency counts the machine's CPUs; a process pinned to fewer (taskset, a
  // container's cpuset) would otherwise run more threads than it has cores.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) t = std::max(1, CPU_COUNT(&set));
#endif
  if (std::int64_t e = env_threads(); e > 0) t = std::min(t, e);
  return static_cast<int>(t);
}

int parallel_threads(std::int64_t n, std::int64_t min_chunk) {
  if (n <= 0) return 1;
  std::int64_t t = usable_cpus();
  t = std::min(t, n / std::max<std::int64_t>(min_chunk, 1));
  return static_cast<int>(std::max<std::int64_t>(t, 1));
}

void parallel_for(std::int64_t n, std::int64_t min_chunk,
                  const std::function<void(std::int64_t, std::int64_t)>& fn) {
  if (n <= 0) return;
  const std::int64_t threads = parallel_threads(n, min_chunk);
  if (threads <= 1) {
    fn(0, n);
    return;
  }
  // More chunks than threads balances uneven items (segments, rows of varying cost).
  const std::int64_t chunks = std::min<std::int64_t>(n, threads * 8);
  std::atomic<std::int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (std::int64_t c; (c = next.fetch_add(1)) < chunks;) {
      try {
        fn(n * c / chunks, n * (c + 1) / chunks);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(chunks);  // start no further ranges
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::int64_t i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace robomlx
