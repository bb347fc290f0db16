// SPDX-License-Identifier: Apache-2.0
// Shared test fixtures: where the data lives and which device the suite runs on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/compile.h>
#include <mlx/device.h>
#include <mlx/stream.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/testing.h"

namespace robomlx::test {

/// ../shared beside the checkout (ROBOMLX_SHARED_DIR overrides).
std::string shared_dir();
/// The repository root.
std::string source_dir();
/// A fresh empty temporary folder for this test. test_main.cpp removes it when the test passes
/// and keeps it (and says where) when it fails, or always with ROBOMLX_KEEP_TEST_DIRS=1.
std::string temp_dir();
/// A fresh empty temporary folder that outlives the test (a fixture that tests of one program
/// share); removed at the end of the program if every test passed.
std::string program_temp_dir();
/// The folders temp_dir() made since the last call, and at the program's end program_temp_dir()'s
/// too (for test_main.cpp).
std::vector<std::string> take_temp_dirs(bool program_end);
/// The device the suite runs on (ROBOMLX_DEVICE; auto by default).
mlx::core::Device test_device();

/// MLX's compile mode for one scope, then back to the suite's (test_main.cpp: unfused on a CPU run
/// unless ROBOMLX_CPU_FUSE is set to something else than 0, fused otherwise). For the tests whose
/// subject is fusion itself (a fused graph's kernel count, fused against unfused results).
class CompileModeScope {
 public:
  explicit CompileModeScope(mlx::core::CompileMode mode);
  ~CompileModeScope();
  CompileModeScope(const CompileModeScope&) = delete;
  CompileModeScope& operator=(const CompileModeScope&) = delete;
};

/// The words that start a program of this build (the CLI) from a test: none natively; in a cross
/// build the emulator the tests themselves run under (CMAKE_CROSSCOMPILING_EMULATOR, qemu-aarch64),
/// as a child process is loaded by the host, which cannot run it.
std::vector<std::string> launcher();
/// launcher() as the start of a shell command: "" natively, else the words and a space.
std::string launcher_prefix();

/// The stream implementation `impl` runs on in this suite: an explicit CPU stream for the CPU twin
/// (also when the suite runs on a GPU), the GPU's default stream for the CUDA and Metal twins, the
/// suite's default stream for the portable path. nullopt when that twin cannot run on this machine;
/// skip_reason(impl) says why.
std::optional<mlx::core::Stream> stream_for(Impl impl);
std::string skip_reason(Impl impl);

/// A test parameterised by implementation: forces GetParam() (strictly: a twin that does not fit
/// throws) for the test's duration, skips with the reason when the twin cannot run on this machine,
/// and fails unless the forced implementation actually ran. Ops in the test body take stream().
class ImplTest : public ::testing::TestWithParam<Impl> {
 protected:
  void SetUp() override;
  void TearDown() override;
  /// The stream GetParam() runs on (stream_for).
  mlx::core::Stream stream() const { return *stream_; }
  /// Tag prefix the forcing applies to; empty forces every op (override for pipelines).
  virtual std::string forced_tag() const { return {}; }

  std::optional<mlx::core::Stream> stream_;
  std::optional<ScopedImpl> scoped_;
  std::optional<ImplTrace> trace_;
};

/// Runs `fn` with `impl` forced (strictly) for ops whose tag starts with `tag`, and fails the test
/// unless `impl` ran for that tag. Returns fn's result.
template <typename F>
auto run_forced(Impl impl, const std::string& tag, F&& fn) {
  ScopedImpl force(impl, tag);
  ImplTrace trace;
  auto out = fn();
  EXPECT_TRUE(trace.ran(impl, tag)) << "forced " << to_string(impl) << " for " << tag << ", ran: " << trace.summary();
  return out;
}

}  // namespace robomlx::test

/// Declares `mlx::core::Stream var` for implementation `impl`, or skips the test with the reason.
#define ROBOMLX_STREAM_OR_SKIP(var, impl)                                                 \
  auto var##_opt_ = ::robomlx::test::stream_for(impl);                                    \
  if (!var##_opt_) GTEST_SKIP() << ::robomlx::test::skip_reason(impl);                    \
  const mlx::core::Stream var = *var##_opt_

/// EXPECT that a CompareResult is ok, printing its explanation otherwise.
#define EXPECT_CLOSE(result)                      \
  do {                                            \
    auto robomlx_r_ = (result);                   \
    EXPECT_TRUE(robomlx_r_.ok) << robomlx_r_.message; \
  } while (0)

/// EXPECT that `stmt` throws `type` whose message contains `substring`.
#define EXPECT_THROW_MSG(stmt, type, substring)                                               \
  do {                                                                                        \
    try {                                                                                     \
      stmt;                                                                                   \
      ADD_FAILURE() << "expected " #type " from " #stmt;                                      \
    } catch (const type& e) {                                                                 \
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos) << e.what();        \
    }                                                                                         \
  } while (0)
