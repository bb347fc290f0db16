// SPDX-License-Identifier: Apache-2.0
// transforms.json: a NeRF-synthetic camera at a known place looking at a known point (projections
// worked out by hand, so the OpenGL -> OpenCV flip is checked), nerfstudio intrinsics with
// per-frame overrides and ply_file_path, and the refusals.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/splat/transforms_json.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

namespace fs = std::filesystem;

// Blender camera at (0, -4, 0) looking at the origin along +y, world z up. OpenGL camera axes in
// the world: x right = (1, 0, 0), y up = (0, 0, 1), z backward = (0, -1, 0).
const char* kBlenderPose = "[[1, 0, 0, 0], [0, 0, -1, -4], [0, 1, 0, 0], [0, 0, 0, 1]]";

TEST(TransformsJson, BlenderCameraProjectsKnownPoints) {
  const std::string dir = test::temp_dir();
  fs::create_directories(dir + "/train");
  test::write_rgb_png(dir + "/train/r_0.png", 8, 6);  // no w/h in the file: the image gives them
  // camera_angle_x = 2 atan(0.5): fx = 0.5 * 8 / 0.5 = 8.
  char angle[32];
  std::snprintf(angle, sizeof(angle), "%.17g", 2 * std::atan(0.5));
  const std::string json = "{\"camera_angle_x\": " + std::string(angle) +
                           ", \"frames\": [{\"file_path\": \"./train/r_0\", \"rotation\": 0.1, \"transform_matrix\": " +
                           kBlenderPose + "}]}";
  const auto t = read_transforms_json(test::write_file(dir + "/transforms_train.json", json));
  ASSERT_EQ(t.cameras.size(), 1u);
  const Camera& c = t.cameras[0];
  EXPECT_EQ(c.name, "./train/r_0");
  EXPECT_EQ(fs::path(c.image_path), fs::path(dir) / "./train/r_0.png");
  EXPECT_EQ(c.width, 8);
  EXPECT_EQ(c.height, 6);
  EXPECT_NEAR(c.fx, 8, 1e-5);
  EXPECT_EQ(c.fy, c.fx);
  EXPECT_EQ(c.cx, 4);
  EXPECT_EQ(c.cy, 3);
  const Vec3 centre = c.center();
  EXPECT_NEAR(centre[0], 0, 1e-12);
  EXPECT_NEAR(centre[1], -4, 1e-12);
  EXPECT_NEAR(centre[2], 0, 1e-12);
  EXPECT_NEAR(c.to_camera({0, 0, 0})[2], 4, 1e-12);  // in front: +z forward
  auto uv = c.project({0, 0, 0});
  EXPECT_NEAR(uv[0], 4, 1e-5);
  EXPECT_NEAR(uv[1], 3, 1e-5);
  uv = c.project({1, 0, 0.5});  // right of the target and above it: image right, image up
  EXPECT_NEAR(uv[0], 4 + 8 * 1.0 / 4, 1e-5);
  EXPECT_NEAR(uv[1], 3 - 8 * 0.5 / 4, 1e-5);
}

TEST(TransformsJson, NerfstudioIntrinsicsWithFrameOverridesAndPoints) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/points.ply", "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
                                        "property float z\nend_header\n1 2 3\n");
  const std::string json = std::string("{\"fl_x\": 100, \"fl_y\": 110, \"cx\": 30, \"cy\": 20, \"w\": 64, \"h\": 48,") +
                           "\"k1\": 0, \"camera_model\": \"OPENCV\", \"ply_file_path\": \"points.ply\", \"frames\": [" +
                           "{\"file_path\": \"images/f1.png\", \"transform_matrix\": " + kBlenderPose + "}," +
                           "{\"file_path\": \"images/f2.png\", \"fl_x\": 50, \"cx\": 31.5, \"transform_matrix\": " +
                           "[[1, 0, 0, 2], [0, 1, 0, 0], [0, 0, 1, 3]]}]}";
  const auto t = parse_transforms_json(json, dir + "/transforms.json");
  ASSERT_EQ(t.cameras.size(), 2u);
  EXPECT_EQ(t.ply_file_path, dir + "/points.ply");
  const Camera& a = t.cameras[0];
  EXPECT_EQ(a.image_path, dir + "/images/f1.png");  // missing, but w/h are given: load_capture checks it
  EXPECT_EQ(a.fx, 100);
  EXPECT_EQ(a.fy, 110);
  EXPECT_EQ(a.cx, 30);
  const Camera& b = t.cameras[1];
  EXPECT_EQ(b.fx, 50);
  EXPECT_EQ(b.fy, 110);
  EXPECT_EQ(b.cx, 31.5);
  EXPECT_EQ(b.cy, 20);
  EXPECT_EQ(b.width, 64);
  // 3x4 pose, identity rotation in OpenGL: the camera at (2, 0, 3) looks along world -z, y up.
  const auto uv = b.project({2 + 1, 0.5, 3 - 2});  // 2 in front, 1 right, 0.5 up
  EXPECT_NEAR(uv[0], 31.5 + 50 * 1.0 / 2, 1e-9);
  EXPECT_NEAR(uv[1], 20 - 110 * 0.5 / 2, 1e-9);
}

TEST(TransformsJsonHostile, RefusalsNameTheFileFrameAndField) {
  const std::string dir = test::temp_dir();
  const std::string f = dir + "/transforms.json";
  auto frame = [](const std::string& extra) {
    return std::string("{\"w\": 8, \"h\": 6, \"frames\": [{\"file_path\": \"a.png\", ") + extra + "}]}";
  };
  const std::string pose = std::string("\"transform_matrix\": ") + kBlenderPose;
  EXPECT_THROW_MSG(parse_transforms_json(frame("\"fl_x\": 0, " + pose), f), FormatError,
                   "[splat.cameras] " + f + ": frame 0 ('a.png'): fx must be a finite number > 0, got 0");
  EXPECT_THROW_MSG(parse_transforms_json(frame(pose), f), FormatError, "frame 0 ('a.png'): no focal length: needs 'fl_x' or 'camera_angle_x'");
  EXPECT_THROW_MSG(parse_transforms_json(frame("\"fl_x\": 5, \"k1\": 0.1, " + pose), f), FormatError,
                   "'k1' = 0.1: lens distortion is not supported");
  EXPECT_THROW_MSG(parse_transforms_json(frame("\"fl_x\": 5"), f), FormatError, "frame 0 ('a.png'): missing 'transform_matrix'");
  EXPECT_THROW_MSG(parse_transforms_json(frame("\"fl_x\": 5, \"transform_matrix\": [[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]"), f),
                   FormatError, "rotation must be orthonormal");
  EXPECT_THROW_MSG(parse_transforms_json(frame("\"fl_x\": \"5\", " + pose), f), FormatError, "'fl_x' must be a number, got \"5\"");
  EXPECT_THROW_MSG(parse_transforms_json(frame("\"fl_x\": 5, \"camera_model\": \"OPENCV_FISHEYE\", " + pose), f), FormatError,
                   "camera_model OPENCV_FISHEYE is not a pinhole model");
  EXPECT_THROW_MSG(parse_transforms_json("{\"frames\": []}", f), FormatError, "'frames' must be a non-empty array");
  EXPECT_THROW_MSG(parse_transforms_json("{\"frames\": [", f), FormatError, "[splat.cameras] " + f + ": invalid JSON");
  // No w/h and a missing image: the size cannot be known.
  const std::string no_size = "{\"fl_x\": 5, \"frames\": [{\"file_path\": \"gone\", " + pose + "}]}";
  EXPECT_THROW_MSG(parse_transforms_json(no_size, f), FormatError, "[splat.images] " + dir + "/gone.png: image file is missing");
  const auto skipped = parse_transforms_json(no_size, f, {.skip_missing_images = true});
  EXPECT_TRUE(skipped.cameras.empty());
  EXPECT_EQ(skipped.skipped_images, std::vector<std::string>{dir + "/gone.png"});
}

}  // namespace
}  // namespace robomlx::splat
