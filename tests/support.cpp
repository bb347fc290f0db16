// SPDX-License-Identifier: Apache-2.0
#include "support.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>

#include <mlx/device.h>

namespace robomlx::test {

std::string shared_dir() {
  const char* env = std::getenv("ROBOMLX_SHARED_DIR");
  return env && *env ? env : ROBOMLX_SHARED_DIR;
}

std::string source_dir() { return ROBOMLX_SOURCE_DIR; }

std::string temp_dir() {
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

mlx::core::Device test_device() { return mlx::core::default_device(); }

}  // namespace robomlx::test
