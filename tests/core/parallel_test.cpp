// SPDX-License-Identifier: Apache-2.0
// parallel_for: exact cover of [0, n), inline path, ROBOMLX_NUM_THREADS, exception propagation.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "robomlx/core/parallel.h"
#include "support.h"

namespace robomlx {
namespace {

// Sets ROBOMLX_NUM_THREADS for one scope, restoring the previous value.
class ScopedThreadsEnv {
 public:
  explicit ScopedThreadsEnv(const char* value) {
    if (const char* old = std::getenv("ROBOMLX_NUM_THREADS")) old_ = old, had_ = true;
    if (value) ::setenv("ROBOMLX_NUM_THREADS", value, 1);
    else ::unsetenv("ROBOMLX_NUM_THREADS");
  }
  ~ScopedThreadsEnv() {
    if (had_) ::setenv("ROBOMLX_NUM_THREADS", old_.c_str(), 1);
    else ::unsetenv("ROBOMLX_NUM_THREADS");
  }

 private:
  std::string old_;
  bool had_ = false;
};

TEST(Parallel, CoversEveryIndexExactlyOnce) {
  ScopedThreadsEnv env(nullptr);
  for (std::int64_t n : {0, 1, 2, 7, 64, 1000, 12345}) {
    for (std::int64_t min_chunk : {1, 3, 16, 2048}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> calls{0};
      parallel_for(n, min_chunk, [&](std::int64_t b, std::int64_t e) {
        EXPECT_LE(0, b);
        EXPECT_LT(b, e);
        EXPECT_LE(e, n);
        for (std::int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
        calls.fetch_add(1);
      });
      for (std::int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " min_chunk=" << min_chunk << " i=" << i;
      }
      if (n == 0) {
        EXPECT_EQ(calls.load(), 0);
      }
    }
  }
}

// The CPUs this thread may run on, counted independently of usable_cpus().
int affinity_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

TEST(Parallel, ThreadCountFollowsMinChunkAndEnv) {
  ScopedThreadsEnv env(nullptr);
  const int hw = affinity_cpus();
  EXPECT_EQ(usable_cpus(), hw);
  EXPECT_EQ(parallel_threads(0, 1), 1);
  EXPECT_EQ(parallel_threads(10, 16), 1);  // less than one chunk of work
  EXPECT_EQ(parallel_threads(31, 16), 1);  // n / min_chunk rounds down
  EXPECT_EQ(parallel_threads(1 << 20, 1), hw);
  EXPECT_EQ(parallel_threads(1 << 20, 0), hw);  // min_chunk < 1 counts as 1
  {
    ScopedThreadsEnv one("1");
    EXPECT_EQ(parallel_threads(1 << 20, 1), 1);
  }
  {
    ScopedThreadsEnv two("2");
    EXPECT_EQ(parallel_threads(1 << 20, 1), std::min(hw, 2));
  }
  {
    ScopedThreadsEnv bad("zero");  // malformed: ignored
    EXPECT_EQ(parallel_threads(1 << 20, 1), hw);
  }
}

TEST(Parallel, RunsInlineWithOneThread) {
  const auto caller = std::this_thread::get_id();
  auto check_inline = [&](std::int64_t n, std::int64_t min_chunk) {
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    parallel_for(n, min_chunk, [&](std::int64_t b, std::int64_t e) {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      ranges.emplace_back(b, e);
    });
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0], std::make_pair(std::int64_t{0}, n));
  };
  {
    ScopedThreadsEnv env(nullptr);
    check_inline(100, 64);  // below 2 * min_chunk
  }
  {
    ScopedThreadsEnv env("1");
    check_inline(100000, 1);
  }
}

#if defined(__linux__)
// A process pinned to fewer CPUs than the machine has (taskset, a container's cpuset) sizes its
// pools by the pinning, not by the machine.
TEST(Parallel, ThreadCountFollowsTheAffinityMask) {
  ScopedThreadsEnv env(nullptr);
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const int pinned = usable_cpus(), threads = parallel_threads(1 << 20, 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
  EXPECT_EQ(pinned, 1);
  EXPECT_EQ(threads, 1);
}
#endif

TEST(Parallel, UsesSeveralThreadsWhenAvailable) {
  ScopedThreadsEnv env(nullptr);
  if (usable_cpus() < 2) GTEST_SKIP() << "one hardware thread: no threaded path to observe";
  std::mutex m;
  std::set<std::thread::id> seen;
  std::atomic<int> arrived{0};
  // Each range waits (bounded by time, not by a spin count: a loaded CI machine can take longer
  // than 2000 yields to start a second thread) until two ranges are in flight, so two threads
  // must take part.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  parallel_for(1000, 1, [&](std::int64_t, std::int64_t) {
    {
      std::lock_guard lock(m);
      seen.insert(std::this_thread::get_id());
    }
    arrived.fetch_add(1);
    while (arrived.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  });
  EXPECT_GE(seen.size(), 2u);
}

TEST(Parallel, RethrowsWorkerExceptionOnCaller) {
  for (const char* threads : {static_cast<const char*>(nullptr), "1"}) {
    ScopedThreadsEnv env(threads);
    std::atomic<int> calls{0};
    EXPECT_THROW_MSG(parallel_for(100000, 1,
                                  [&](std::int64_t b, std::int64_t e) {
                                    calls.fetch_add(1);
                                    if (b <= 50000 && 50000 < e) throw std::runtime_error("boom at 50000");
                                  }),
                     std::runtime_error, "boom at 50000");
    EXPECT_GE(calls.load(), 1);
  }
}

}  // namespace
}  // namespace robomlx
