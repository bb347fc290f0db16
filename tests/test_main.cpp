// SPDX-License-Identifier: Apache-2.0
// Test entry point: applies ROBOMLX_DEVICE (auto | cpu | gpu) before any test runs, and at the end
// prints how many tests ran each implementation (the GPU run's proof that the CUDA twins ran).
//
// On a CPU run, compiled graphs are traced and simplified but not fused (ROBOMLX_CPU_FUSE=0, also
// for the CLIs the tests start): MLX fuses on the CPU by running g++ once per fused kernel (a
// second or two each, cached on disk), which on a clean CI machine was about 3.5 minutes of the
// suite's wall time for the same ops run one by one. ROBOMLX_CPU_FUSE=1 fuses them;
// core.CompileOnCpu.FusedEqualsUnfused checks fusion on the CPU either way, and the GPU run
// (ROBOMLX_DEVICE=gpu) fuses everything.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <mlx/compile.h>

#include "robomlx/core/device.h"
#include "robomlx/core/dispatch.h"
#include "support.h"

namespace {

class ImplCounter : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo&) override { trace_.emplace(); }
  void OnTestEnd(const ::testing::TestInfo&) override {
    std::set<robomlx::Impl> seen;
    for (const auto& c : trace_->choices()) seen.insert(c.second);
    for (auto impl : seen) ++tests_[impl];
    trace_.reset();
  }
  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    std::cout << "[robomlx tests] implementations run:";
    for (auto impl : {robomlx::Impl::portable, robomlx::Impl::cpu, robomlx::Impl::cuda, robomlx::Impl::metal}) {
      std::cout << " " << robomlx::to_string(impl) << " in " << tests_[impl] << " tests;";
    }
    std::cout << "\n";
  }

 private:
  std::optional<robomlx::ImplTrace> trace_;
  std::map<robomlx::Impl, int> tests_;
};

// Removes the folders a passing test made with test::temp_dir(); a failing test's are kept and
// named, so that its outputs can be read. ROBOMLX_KEEP_TEST_DIRS=1 keeps them all.
class TempDirSweeper : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& info) override { sweep(info.result()->Passed(), false); }
  void OnTestProgramEnd(const ::testing::UnitTest& unit) override { sweep(unit.Passed(), true); }

 private:
  static void sweep(bool passed, bool program_end) {
    const char* keep = std::getenv("ROBOMLX_KEEP_TEST_DIRS");
    const bool keep_all = keep && std::string(keep) == "1";
    for (const auto& dir : robomlx::test::take_temp_dirs(program_end)) {
      std::error_code ec;
      if (passed && !keep_all) {
        std::filesystem::remove_all(dir, ec);
      } else if (!passed) {
        std::cout << "[robomlx tests] kept " << dir << "\n";
      }
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto device = robomlx::use_device(robomlx::device_choice_from_env());
  if (device.type == mlx::core::Device::cpu && !std::getenv("ROBOMLX_CPU_FUSE")) setenv("ROBOMLX_CPU_FUSE", "0", 1);
  robomlx::apply_cpu_fusion_env(device);
  if (std::getenv("ROBOMLX_TEST_VERBOSE")) std::cerr << "[robomlx tests] device " << robomlx::describe_device(device) << "\n";
  ::testing::UnitTest::GetInstance()->listeners().Append(new ImplCounter);
  ::testing::UnitTest::GetInstance()->listeners().Append(new TempDirSweeper);
  return RUN_ALL_TESTS();
}
