// SPDX-License-Identifier: Apache-2.0
// One test per librealsense golden case folder (shared/golden/realsense/<case>/case.json).
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "robomlx/depth/golden.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

// Runs at static-init time (INSTANTIATE_TEST_SUITE_P), before main: read the env directly and
// fall back to the compile-time default through test::shared_dir().
std::vector<std::string> case_dirs() {
  std::vector<std::string> dirs;
  const fs::path root = fs::path(test::shared_dir()) / "golden" / "realsense";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "case.json")) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  if (dirs.empty()) dirs.push_back("");  // one test that reports the missing data
  return dirs;
}

class DepthGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(DepthGolden, MatchesLibrealsense) {
  const std::string dir = GetParam();
  ASSERT_FALSE(dir.empty()) << "no golden cases under " << test::shared_dir() << "/golden/realsense";
  // A block this build lacks fails the case ("block 'x' not available in this build").
  const auto r = run_depth_golden_case(dir);
  EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.empty() ? "missing" : fs::path(info.param).filename().string();
  for (auto& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Realsense, DepthGolden, ::testing::ValuesIn(case_dirs()), case_name);

}  // namespace
}  // namespace robomlx::depth
