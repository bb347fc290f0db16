// SPDX-License-Identifier: Apache-2.0
// Issue 12, item 7: a malformed golden case.json is one FormatError naming the file and the field
// (the CLI turns it into exit 3 and one line), checked before the case runs.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_table.h"
#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/depth/golden.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A copy of the threshold case whose input lives beside its case.json.
std::string copy_case(const std::string& root) {
  const std::string src = test::shared_dir() + "/golden/realsense/threshold_synth848dec2_min0.5_max2.5";
  const std::string dir = root + "/threshold";
  fs::create_directories(dir);
  fs::copy_file(src + "/depth.pgm", dir + "/depth.pgm");
  fs::copy_file(test::shared_dir() + "/golden/realsense/decimation_synth848_s2/depth.pgm", dir + "/input.pgm");
  std::ifstream in(src + "/case.json");
  json c = json::parse(in);
  c["inputs"][0]["file"] = "input.pgm";
  std::ofstream(dir + "/case.json") << c.dump(1);
  return dir;
}

json read_case(const std::string& dir) {
  std::ifstream in(dir + "/case.json");
  return json::parse(in);
}

TEST(GoldenCase, MalformedFieldsAreNamed) {
  const std::string dir = copy_case(test::temp_dir());
  const json good = read_case(dir);
  ASSERT_TRUE(run_depth_golden_case(dir).passed);
  struct Row {
    const char* pointer;  // JSON pointer to replace, or "-" to delete, "" for the whole document
    json value;
    std::string message;
  };
  const Row rows[] = {
      {"/block", nullptr, "field 'block' is missing"},
      {"/block", 3, "field 'block' must be a string, got 3"},
      {"/inputs", 5, "field 'inputs' must be an array"},
      {"/inputs/0/file", 7, "field 'inputs[0].file' must be a string, got 7"},
      {"/inputs/0/width", "wide", "field 'inputs[0].width' must be an integer in [0, 65535], got \"wide\""},
      {"/inputs/0/height", 1e12, "field 'inputs[0].height' must be an integer in [0, 65535], got 1000000000000.0"},
      {"/inputs/0/intrinsics/coeffs/2", nullptr, "field 'inputs[0].intrinsics.coeffs[2]' must be a finite number, got null"},
      {"/inputs/0/intrinsics/fx", "210", "field 'inputs[0].intrinsics.fx' must be a finite number, got \"210\""},
      {"/options_set_in_order/1/value_set", "x", "field 'options_set_in_order[1].value_set' must be a finite number"},
      {"/options_set_in_order/1/value_set", 1e300,  // an infinity as float32
       "field 'options_set_in_order[1].value_set' must be a finite number, got 1e+300"},
      {"/options_set_in_order/0", 4, "field 'options_set_in_order[0]' must be an object"},
      {"/outputs/0", json::array(), "field 'outputs[0]' must be an object"},
      {"/depth_units", "mm", "field 'depth_units' must be a finite number"},
      {"", json::array({1, 2}), "the top level must be a JSON object"},
  };
  for (const auto& r : rows) {
    json c = good;
    if (std::string(r.pointer).empty()) {
      c = r.value;
    } else if (r.value.is_null() && std::string(r.pointer) == "/block") {
      c.erase("block");
    } else {
      c[json::json_pointer(r.pointer)] = r.value;
    }
    std::ofstream(dir + "/case.json") << c.dump();
    EXPECT_THROW_MSG(run_depth_golden_case(dir), FormatError, dir + "/case.json: " + r.message);
  }
  // Text that is not one JSON value, and an input file that is missing.
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {good.dump() + std::string(1, '\0') + "junk", "is a NUL byte"},
           {good.dump() + " {}", "invalid JSON"},
           {good.dump().substr(0, 100), "invalid JSON"}}) {
    test::write_file(dir + "/case.json", text);
    EXPECT_THROW_MSG(run_depth_golden_case(dir), FormatError, message);
  }
  json c = good;
  c["inputs"][0]["file"] = "gone.pgm";
  std::ofstream(dir + "/case.json") << c.dump();
  EXPECT_THROW_MSG(run_depth_golden_case(dir), FormatError, dir + "/gone.pgm: cannot open file");
}

TEST(GoldenCase, CliExitsThreeWithOneLine) {
  if (!fs::exists(test::cli_binary())) GTEST_SKIP() << "CLI binary not built (robomlx_cli)";
  const std::string root = test::temp_dir();
  const std::string dir = copy_case(root + "/cases");
  json c = read_case(dir);
  const std::string cases = root + "/cases";
  test::CliRow ok{"a valid case passes", "depth golden " + cases, 0, "", "1 passed, 0 failed"};
  test::expect_row(ok, root);
  c["inputs"][0]["file"] = 7;
  std::ofstream(dir + "/case.json") << c.dump();
  test::CliRow bad{"a malformed case.json is exit 3", "depth golden " + cases, 3,
                   "robomlx: error: " + dir + "/case.json: field 'inputs[0].file' must be a string, got 7",
                   "FAIL threshold"};
  test::expect_row(bad, root);
}

}  // namespace
}  // namespace robomlx::depth
