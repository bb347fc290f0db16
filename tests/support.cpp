// SPDX-License-Identifier: Apache-2.0
#include "support.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <utility>

#include <unistd.h>

#include <mlx/compile.h>
#include <mlx/compile_impl.h>
#include <mlx/device.h>
#include <mlx/stream.h>

#include "robomlx/core/device.h"

namespace robomlx::test {

std::string shared_dir() {
  const char* env = std::getenv("ROBOMLX_SHARED_DIR");
  return env && *env ? env : ROBOMLX_SHARED_DIR;
}

std::string source_dir() { return ROBOMLX_SOURCE_DIR; }

namespace {
std::vector<std::string>& temp_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}
std::vector<std::string>& program_temp_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}
std::mutex& temp_dirs_mutex() {
  static std::mutex m;
  return m;
}
std::string make_temp_dir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "robomlx";
  for (auto& c : name) {
    if (c == '/') c = '_';
  }
  auto dir = std::filesystem::temp_directory_path() /
             ("robomlx-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}
}  // namespace

std::string temp_dir() {
  const std::string dir = make_temp_dir();
  std::lock_guard<std::mutex> lock(temp_dirs_mutex());
  temp_dirs().push_back(dir);
  return dir;
}

std::string program_temp_dir() {
  const std::string dir = make_temp_dir();
  std::lock_guard<std::mutex> lock(temp_dirs_mutex());
  program_temp_dirs().push_back(dir);
  return dir;
}

std::vector<std::string> take_temp_dirs(bool program_end) {
  std::lock_guard<std::mutex> lock(temp_dirs_mutex());
  auto dirs = std::exchange(temp_dirs(), {});
  if (program_end) {
    for (auto& d : std::exchange(program_temp_dirs(), {})) dirs.push_back(std::move(d));
  }
  return dirs;
}

mlx::core::Device test_device() { return mlx::core::default_device(); }

std::vector<std::string> launcher() {
  std::vector<std::string> words;
  std::string word;
  for (const char c : std::string(ROBOMLX_TEST_LAUNCHER) + " ") {
    if (c != ' ') {
      word += c;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  return words;
}

std::string launcher_prefix() {
  std::string prefix;
  for (const auto& w : launcher()) prefix += w + " ";
  return prefix;
}

namespace mx = mlx::core;

std::optional<mx::Stream> stream_for(Impl impl) {
  switch (impl) {
    case Impl::cpu: return mx::default_stream(mx::Device::cpu);
    case Impl::cuda:
      if (!is_cuda_device(mx::Device::gpu) || !mx::is_available(mx::Device::gpu)) return std::nullopt;
      return mx::default_stream(mx::Device::gpu);
    case Impl::metal:
      if (!is_metal_device(mx::Device::gpu) || !mx::is_available(mx::Device::gpu)) return std::nullopt;
      return mx::default_stream(mx::Device::gpu);
    default: return mx::default_stream(mx::default_device());
  }
}

std::string skip_reason(Impl impl) {
  return std::string("the ") + to_string(impl) + " twin cannot run here: no " +
         (impl == Impl::metal ? "Metal" : "CUDA") + " GPU on this machine";
}

void ImplTest::SetUp() {
  stream_ = stream_for(GetParam());
  if (!stream_) GTEST_SKIP() << skip_reason(GetParam());
  scoped_.emplace(GetParam(), forced_tag());
  trace_.emplace();
}

void ImplTest::TearDown() {
  if (!trace_) return;
  if (!HasFatalFailure()) {
    EXPECT_TRUE(trace_->ran(GetParam(), forced_tag()))
        << "forced " << to_string(GetParam()) << ", ran: " << trace_->summary();
  }
  trace_.reset();
  scoped_.reset();
}

// MLX keeps a trace made under one mode for later calls under another (its cache is keyed by the
// function and its inputs' shapes), so the thread's traces are dropped at both ends of the scope.
CompileModeScope::CompileModeScope(mlx::core::CompileMode mode) {
  mlx::core::detail::compile_clear_cache(mlx::core::detail::compile_cache());
  mlx::core::set_compile_mode(mode);
}

CompileModeScope::~CompileModeScope() {
  mlx::core::detail::compile_clear_cache(mlx::core::detail::compile_cache());
  mlx::core::set_compile_mode(mlx::core::CompileMode::enabled);
  robomlx::apply_cpu_fusion_env(test_device());  // the suite's mode (test_main.cpp)
}

}  // namespace robomlx::test
