// SPDX-License-Identifier: Apache-2.0
// `robomlx cloud stats` against hostile point clouds (issue 12, item 1, and the size caps): each
// row is a command, its exit code, a fragment of its one-line error, and the files that must or
// must not exist afterwards (tests/cli_table.h checks the one-line error contract too).
#include <filesystem>

#include <mlx/ops.h>

#include "cli_table.h"
#include "hostile_files.h"
#include "robomlx/core/io/npy.h"
#include "support.h"

namespace robomlx {
namespace {

namespace fs = std::filesystem;

TEST(CloudCli, HostileInputsTable) {
  if (!fs::exists(test::cli_binary())) GTEST_SKIP() << "CLI binary not built (robomlx_cli)";
  const std::string d = test::temp_dir();
  const std::string xyz = "property float x\nproperty float y\nproperty float z\n";
  auto ply = [&](const std::string& name, const std::string& rows, int n) {
    return test::write_file(d + "/" + name,
                            "ply\nformat ascii 1.0\nelement vertex " + std::to_string(n) + "\n" + xyz + "end_header\n" + rows);
  };
  const std::string nan_ply = ply("nan.ply", "0 0 1\nnan 0 2\n1 1 2\n", 3);
  const std::string inf_ply = ply("inf.ply", "0 0 1\n1 -inf 2\n1 1 2\n", 3);
  const std::string ok_ply = ply("ok.ply", "0 0 1\n2 0 2\n1 1 2\n", 3);
  const std::vector<float> p = {0, 0, 1, std::nanf(""), 0, 2, 1, 1, 2};
  write_npy(d + "/nan.npy", mx::array(p.data(), {3, 3}, mx::float32));
  const std::string cmd = "cloud stats --input ";
  const test::CliRow rows[] = {
      {"NaN row in a PLY is exit 3 naming row and property", cmd + nan_ply + " --json " + d + "/a.json", 3,
       nan_ply + ": vertex 1 of 3: property 'x' is nan", "", {}, {d + "/a.json"}},
      {"-inf row", cmd + inf_ply + " --preview " + d + "/b.png", 3, "vertex 1 of 3: property 'y' is -inf", "", {},
       {d + "/b.png"}},
      {"NaN in an NPY", cmd + d + "/nan.npy", 3, d + "/nan.npy: row 1 of 3: property 'x' is nan"},
      {"--non-finite drop drops and counts", cmd + nan_ply + " --non-finite drop --json " + d + "/c.json", 0, "",
       "dropped   1 points holding NaN or infinite values", {d + "/c.json"}},
      {"points cap from the environment", cmd + ok_ply, 3,
       "ok.ply: header line 3: vertex count 3 exceeds the points cap of 2 (raise it with --max-points N or "
       "ROBOMLX_MAX_POINTS=N)",
       "", {}, {}, "ROBOMLX_MAX_POINTS=2"},
      {"the flag beats the environment", cmd + ok_ply + " --max-points 3", 0, "", "points    3", {}, {},
       "ROBOMLX_MAX_POINTS=2"},
      {"elements cap as a flag before the subcommand", "--max-elements 8 " + cmd + ok_ply, 3,
       "vertex data (3 rows x 3 properties) exceeds the elements cap of 8"},
      {"a malformed cap in the environment is exit 2", cmd + ok_ply, 2, "ROBOMLX_MAX_ELEMENTS must be a positive integer",
       "", {}, {}, "ROBOMLX_MAX_ELEMENTS=lots"},
  };
  for (const auto& row : rows) test::expect_row(row, d);
  const std::string json = test::slurp_text(d + "/c.json");
  EXPECT_EQ(json.find("null"), std::string::npos) << json;  // no NaN statistic written as null
}

}  // namespace
}  // namespace robomlx
