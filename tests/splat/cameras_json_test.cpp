// SPDX-License-Identifier: Apache-2.0
// graphdeco cameras.json: hand-written cameras with known projections (rotation rows are
// camera-to-world, position is the centre), a write/read round trip, and the refusals.
#include <cmath>
#include <filesystem>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/splat/cameras_json.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

// Camera 0 at (0, 0, -5) with the world's axes; camera 1 at (0, -4, 0) looking along +y with
// world z up: camera x = (1, 0, 0), y (down) = (0, 0, -1), z = (0, 1, 0), as the rotation's
// columns, so its rows are (1, 0, 0), (0, 0, 1), (0, -1, 0).
const char* kCameras = R"([
  {"id": 0, "img_name": "00000", "width": 100, "height": 80, "position": [0, 0, -5],
   "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fy": 50, "fx": 50},
  {"id": 1, "img_name": "00001", "width": 64, "height": 48, "position": [0, -4, 0],
   "rotation": [[1, 0, 0], [0, 0, 1], [0, -1, 0]], "fy": 40, "fx": 40}
])";

TEST(CamerasJson, KnownCamerasProjectKnownPoints) {
  const auto cams = parse_cameras_json(kCameras, "cameras.json");
  ASSERT_EQ(cams.size(), 2u);
  EXPECT_EQ(cams[0].name, "00000");
  EXPECT_EQ(cams[0].image_path, "");
  EXPECT_EQ(cams[0].cx, 50);
  EXPECT_EQ(cams[0].cy, 40);
  auto uv = cams[0].project({0, 0, 0});
  EXPECT_NEAR(uv[0], 50, 1e-12);
  EXPECT_NEAR(uv[1], 40, 1e-12);
  uv = cams[0].project({1, -2, 0});
  EXPECT_NEAR(uv[0], 50 + 50 * 1.0 / 5, 1e-12);
  EXPECT_NEAR(uv[1], 40 - 50 * 2.0 / 5, 1e-12);
  uv = cams[1].project({1, 0, 0.5});  // 4 in front, 1 right, 0.5 up
  EXPECT_NEAR(uv[0], 32 + 40 * 1.0 / 4, 1e-12);
  EXPECT_NEAR(uv[1], 24 - 40 * 0.5 / 4, 1e-12);
  const Vec3 c = cams[1].center();
  EXPECT_NEAR(c[1], -4, 1e-12);
}

TEST(CamerasJson, WriteReadRoundTrip) {
  const auto cams = parse_cameras_json(kCameras, "cameras.json");
  const std::string path = test::temp_dir() + "/cameras.json";
  write_cameras_json(path, cams);
  const auto back = read_cameras_json(path);
  ASSERT_EQ(back.size(), cams.size());
  for (std::size_t i = 0; i < cams.size(); ++i) {
    EXPECT_EQ(back[i].name, cams[i].name);
    EXPECT_EQ(back[i].width, cams[i].width);
    EXPECT_EQ(back[i].fx, cams[i].fx);
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(back[i].rotation[k], cams[i].rotation[k], 1e-15);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(back[i].translation[k], cams[i].translation[k], 1e-12);
  }
}

TEST(CamerasJsonHostile, RefusalsNameTheFileCameraAndField) {
  auto one = [](const std::string& fields) {
    return "[{\"id\": 0, \"img_name\": \"x\", \"width\": 10, \"height\": 10, " + fields + "}]";
  };
  const std::string pose = "\"position\": [0, 0, 0], \"rotation\": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]";
  EXPECT_THROW_MSG(parse_cameras_json(one(pose + ", \"fx\": 0, \"fy\": 5"), "c.json"), FormatError,
                   "[splat.cameras] c.json: camera 0 ('x'): fx must be a finite number > 0, got 0");
  EXPECT_THROW_MSG(parse_cameras_json(one("\"fx\": 5, \"fy\": 5, \"position\": [0, 0, 0]"), "c.json"), FormatError,
                   "camera 0 ('x'): 'rotation' must be 3 rows of 3 numbers");
  EXPECT_THROW_MSG(parse_cameras_json(one("\"fx\": 5, \"fy\": 5, \"position\": [0, 0, 0], \"rotation\": [[1, 0, 0], [0, 1, 0], [0, 0, -1]]"), "c.json"),
                   FormatError, "determinant -1");
  EXPECT_THROW_MSG(parse_cameras_json(one(pose + ", \"fx\": 5"), "c.json"), FormatError, "camera 0 ('x'): missing 'fy'");
  EXPECT_THROW_MSG(parse_cameras_json("{}", "c.json"), FormatError, "the top level must be a JSON array");
  auto cams = parse_cameras_json(kCameras, "cameras.json");
  cams[0].cx = 10;
  const std::string path = test::temp_dir() + "/out.json";
  EXPECT_THROW_MSG(write_cameras_json(path, cams), std::invalid_argument, "cx, cy must be width/2, height/2");
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace robomlx::splat
