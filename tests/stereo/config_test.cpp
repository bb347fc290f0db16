// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/config.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

TEST(StereoConfig, DefaultsRoundTrip) {
  StereoConfig c;
  c.sgm.num_disparities = 64;
  c.sgm.p2 = 96.5f;
  c.sgm.cost = "ad_census";
  c.sgm.subpixel = false;
  c.rectify.calibration = "/x/SN1.conf";
  c.rectify.resolution = "HD";
  c.depth.unit = DepthUnit::metre;
  c.depth.focal_px = 700;
  c.depth.baseline_mm = 120;
  c.output.write_ply = false;
  c.camera.index = 2;
  const std::string path = test::temp_dir() + "/zed/settings/cfg.json";  // parent created
  save_config(path, c);
  const StereoConfig back = load_config(path);
  EXPECT_EQ(config_to_json(back), config_to_json(c));
  EXPECT_EQ(back.sgm.num_disparities, 64);
  EXPECT_FLOAT_EQ(back.sgm.p2, 96.5f);
  EXPECT_EQ(back.sgm.cost, "ad_census");
  EXPECT_EQ(back.depth.unit, DepthUnit::metre);
  EXPECT_EQ(back.camera.index, 2);
  // Every SgmOptions field is written (a complete, editable file).
  const auto j = config_to_json(StereoConfig{});
  EXPECT_EQ(j.at("sgm").size(), 16u);
  EXPECT_EQ(j.at("sgm").at("census_width"), 9);
}

// Whole-config validation: layers are merged without range checks, validated once at the end,
// so the order of --set options does not matter.
TEST(StereoConfig, LayersMergeThenValidateOnce) {
  for (const auto& order : {std::vector<std::string>{"sgm.p1=500", "sgm.p2=1000"}, {"sgm.p2=1000", "sgm.p1=500"}}) {
    StereoConfig c;
    for (const auto& s : order) merge_config_override(c, s);
    EXPECT_NO_THROW(c.validate());
    EXPECT_FLOAT_EQ(c.sgm.p1, 500.0f);
    EXPECT_FLOAT_EQ(c.sgm.p2, 1000.0f);
  }
  StereoConfig c;
  merge_config_override(c, "sgm.p1=500");
  EXPECT_THROW_MSG(c.validate(), std::invalid_argument, "[stereo.sgm] p2 must be in [500, 4000], got 120 (p2 >= p1)");
  // Names and types are still checked by the layer that brings them.
  EXPECT_THROW_MSG(merge_config_override(c, "sgm.p3=1"), std::invalid_argument, "--set sgm.p3=1: unknown key 'sgm.p3'");
  EXPECT_THROW_MSG(merge_config_override(c, "sgm.paths=4.5"), std::invalid_argument, "'sgm.paths' must be an integer");
  EXPECT_THROW_MSG(merge_config_override(c, "sgm"), std::invalid_argument, "--set expects section.key=value");
  // One override on its own is validated and leaves the config unchanged when refused.
  StereoConfig d;
  EXPECT_THROW_MSG(apply_config_override(d, "sgm.p1=500"), std::invalid_argument, "p2 >= p1");
  EXPECT_FLOAT_EQ(d.sgm.p1, SgmOptions{}.p1);
  // A file layer: unknown keys are FormatErrors naming it; ranges wait for the whole.
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/p1.json") << R"({"sgm": {"p1": 500}})";
  std::ofstream(dir + "/bad.json") << R"({"sgm": {"p3": 1}})";
  StereoConfig e;
  merge_config_file(e, dir + "/p1.json");
  merge_config_override(e, "sgm.p2=1000");
  EXPECT_NO_THROW(e.validate());
  EXPECT_THROW_MSG(merge_config_file(e, dir + "/bad.json"), FormatError, "bad.json: unknown key 'sgm.p3'");
  EXPECT_THROW_MSG(merge_config_file(e, dir), FormatError, "is a folder, expected a JSON config file");
  EXPECT_THROW_MSG(load_config(dir), FormatError, "is a folder");
  // The rule between depth keys names both.
  StereoConfig f;
  merge_config_override(f, "depth.min_depth_mm=500");
  merge_config_override(f, "depth.max_depth_mm=100");
  EXPECT_THROW_MSG(f.validate(), std::invalid_argument,
                   "depth.max_depth_mm must be in [500, 1e+09], got 100 (depth.max_depth_mm >= depth.min_depth_mm)");
  merge_config_override(f, "depth.max_depth_mm=1000");
  merge_config_override(f, "depth.focal_px=700");
  EXPECT_THROW_MSG(f.validate(), std::invalid_argument,
                   "depth.focal_px and depth.baseline_mm must be given together (both > 0 for metric outputs, or both 0), "
                   "got 700 and 0");
}

TEST(StereoConfig, PartialFileKeepsDefaults) {
  const StereoConfig c = parse_config(R"({"sgm": {"num_disparities": 96}, "depth": {"unit": "m"}})");
  EXPECT_EQ(c.sgm.num_disparities, 96);
  EXPECT_EQ(c.sgm.paths, SgmOptions{}.paths);
  EXPECT_EQ(c.depth.unit, DepthUnit::metre);
  EXPECT_EQ(c.depth.min_depth_mm, 300);
}

TEST(StereoConfig, ErrorsNameTheKey) {
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"num_disparity": 96}})", "c.json"), FormatError,
                   "c.json: unknown key 'sgm.num_disparity'");
  EXPECT_THROW_MSG(parse_config(R"({"sgmx": {}})", "c.json"), FormatError, "unknown key 'sgmx'");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"paths": 4.5}})", "c.json"), FormatError, "'sgm.paths' must be an integer");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"subpixel": 1}})", "c.json"), FormatError, "'sgm.subpixel' must be true or false");
  EXPECT_THROW_MSG(parse_config(R"({"depth": {"unit": "cm"}})", "c.json"), FormatError, "'depth.unit' must be");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"num_disparities": -3}})", "c.json"), FormatError, "num_disparities");
  EXPECT_THROW_MSG(parse_config(R"({"depth": {"min_depth_mm": 500, "max_depth_mm": 100}})", "c.json"), FormatError,
                   "depth.max_depth_mm must be in [500");
  EXPECT_THROW_MSG(parse_config(R"({"depth": {"focal_px": 500}})", "c.json"), FormatError, "given together");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": 3})", "c.json"), FormatError, "'sgm' must be an object");
  EXPECT_THROW_MSG(parse_config("{\"sgm\": {", "c.json"), FormatError, "invalid JSON");
  EXPECT_THROW_MSG(parse_config("[]", "c.json"), FormatError, "JSON object");
  EXPECT_THROW_MSG(load_config("/nonexistent/c.json"), FormatError, "cannot open");
  // Fuzzer find: a number too large for a double made nlohmann throw out_of_range, not parse_error.
  EXPECT_THROW_MSG(parse_config("8888888888888880000324e248839560304", "c.json"), FormatError, "invalid JSON");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"p1": 1e400}})", "c.json"), FormatError, "invalid JSON");
  // Issue 12, item 11: the whole text is the document (nlohmann alone stops at a NUL byte).
  EXPECT_THROW_MSG(parse_config(std::string(R"({"sgm": {"p1": 10}})") + '\0' + "garbage", "c.json"), FormatError,
                   "c.json: byte 19 is a NUL byte");
  EXPECT_THROW_MSG(parse_config(std::string(R"({"sgm": {"p1": 10}})") + '\0', "c.json"), FormatError, "NUL byte");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"p1": 10}} {"sgm": {}})", "c.json"), FormatError, "invalid JSON");
  EXPECT_THROW_MSG(parse_config(R"({"sgm": {"p1": 10}}garbage)", "c.json"), FormatError, "invalid JSON");
}

TEST(StereoConfig, DefaultPathUsesHome) {
  const char* home = std::getenv("HOME");
  if (home == nullptr) GTEST_SKIP() << "HOME is not set";
  EXPECT_EQ(default_config_path(), std::string(home) + "/zed/settings/mlx_live_stereo.json");
}

}  // namespace
}  // namespace robomlx::stereo
