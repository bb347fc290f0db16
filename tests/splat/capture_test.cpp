// SPDX-License-Identifier: Apache-2.0
// load_capture on small capture folders built here: COLMAP (binary model, PNG and JPEG images),
// nerfstudio transforms.json, NeRF-synthetic train/test, and the refusals (missing images with
// their count, wrong sizes, missing folders), none of which writes anything.
#include <cmath>
#include <filesystem>
#include <set>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/splat/capture.h"
#include "robomlx/splat/colmap.h"
#include "small_jpeg.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

namespace fs = std::filesystem;

ColmapModel small_model() {
  ColmapModel m;
  m.cameras = {{1, "PINHOLE", 32, 24, {30, 31, 16, 12}}, {2, "SIMPLE_PINHOLE", 16, 8, {20, 8, 4}}};
  m.images = {{5, {1, 0, 0, 0}, {0, 0, 3}, 1, "b.png"}, {6, {1, 0, 0, 0}, {1, 0, 3}, 2, "c.jpg"},
              {7, {0.5, 0.5, 0.5, 0.5}, {0, 0, 4}, 1, "a.png"}};
  m.points.xyz = mx::array({0.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f}, {2, 3});
  m.points.rgb = mx::array({1, 2, 3, 4, 5, 6}, {2, 3}, mx::uint8);
  return m;
}

// root/sparse/0 (binary) and root/images with a.png, b.png (32x24) and c.jpg (16x8).
std::string colmap_capture(const std::string& root) {
  write_colmap_model(root + "/sparse/0", small_model(), ColmapFormat::binary);
  fs::create_directories(root + "/images");
  test::write_rgb_png(root + "/images/a.png", 32, 24);
  test::write_rgb_png(root + "/images/b.png", 32, 24);
  test::write_file(root + "/images/c.jpg", test::small_jpeg());
  return root;
}

std::set<std::string> listing(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) out.insert(e.path().string());
  return out;
}

TEST(Capture, ColmapFolder) {
  const std::string root = colmap_capture(test::temp_dir());
  const Capture c = load_capture(root);
  EXPECT_EQ(c.format, CaptureFormat::colmap);
  EXPECT_EQ(c.source, root + "/sparse/0");
  ASSERT_EQ(c.cameras.size(), 3u);
  EXPECT_EQ(c.cameras[0].name, "a.png");
  EXPECT_EQ(c.cameras[2].image_path, root + "/images/c.jpg");
  EXPECT_EQ(c.cameras[2].fx, 20);
  ASSERT_TRUE(c.points.has_value());
  EXPECT_EQ(test::host<std::uint8_t>(c.points->rgb), (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(c.test_cameras.empty());
  EXPECT_TRUE(c.skipped_images.empty());
}

TEST(Capture, TransformsFolders) {
  const std::string root = test::temp_dir();
  fs::create_directories(root + "/images");
  test::write_rgb_png(root + "/images/0.png", 8, 6);
  test::write_file(root + "/images/1.jpg", test::small_jpeg());
  const std::string pose = "\"transform_matrix\": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 5], [0, 0, 0, 1]]";
  test::write_file(root + "/transforms.json", "{\"fl_x\": 10, \"frames\": [{\"file_path\": \"images/0.png\", " + pose +
                                                  "}, {\"file_path\": \"images/1\", " + pose + "}]}");
  Capture c = load_capture(root);
  EXPECT_EQ(c.format, CaptureFormat::transforms);
  ASSERT_EQ(c.cameras.size(), 2u);
  EXPECT_EQ(c.cameras[1].image_path, root + "/images/1.jpg");
  EXPECT_EQ(c.cameras[1].width, 16);  // from the JPEG's header
  EXPECT_FALSE(c.points.has_value());

  // NeRF-synthetic: train and test files, no transforms.json.
  fs::remove(root + "/transforms.json");
  test::write_file(root + "/transforms_train.json", "{\"camera_angle_x\": 0.8, \"frames\": [{\"file_path\": \"images/0\", " + pose + "}]}");
  test::write_file(root + "/transforms_test.json", "{\"camera_angle_x\": 0.8, \"frames\": [{\"file_path\": \"images/1\", " + pose + "}]}");
  c = load_capture(root);
  ASSERT_EQ(c.cameras.size(), 1u);
  ASSERT_EQ(c.test_cameras.size(), 1u);
  EXPECT_EQ(c.test_cameras[0].height, 8);
}

TEST(CaptureHostile, MissingAndWrongSizedImagesWriteNothing) {
  const std::string root = colmap_capture(test::temp_dir());
  fs::remove(root + "/images/b.png");
  const auto before = listing(root);
  EXPECT_THROW_MSG(load_capture(root), FormatError,
                   "[splat.images] " + root + "/images/b.png: image file is missing (camera 'b.png' of " + root +
                       "/sparse/0/images.bin); 1 of 3 referenced images are missing");
  const Capture skipped = load_capture(root, {.skip_missing_images = true});
  EXPECT_EQ(skipped.cameras.size(), 2u);
  EXPECT_EQ(skipped.skipped_images, std::vector<std::string>{root + "/images/b.png"});

  test::write_rgb_png(root + "/images/b.png", 10, 10);
  EXPECT_THROW_MSG(load_capture(root), FormatError,
                   "[splat.images] " + root + "/images/b.png: image is 10x10, but camera 'b.png' of " + root +
                       "/sparse/0/images.bin is 32x24");
  EXPECT_NO_THROW(load_capture(root, {.check_image_sizes = false}));
  fs::remove(root + "/images/b.png");
  EXPECT_EQ(listing(root), before);  // loading wrote nothing

  fs::rename(root + "/images", root + "/photos");
  EXPECT_THROW_MSG(load_capture(root), FormatError, "[splat.images] " + root + "/images: the images folder of the COLMAP model");
  EXPECT_THROW_MSG(load_capture(root + "/photos"), FormatError, "[splat.capture] " + root + "/photos: not a capture folder");
  EXPECT_THROW_MSG(load_capture(root + "/nowhere"), FormatError, "is not a folder");
}

TEST(CaptureHostile, ZeroFocalAndUnknownModelInAColmapCapture) {
  const std::string root = colmap_capture(test::temp_dir());
  ColmapModel m = small_model();
  m.cameras[1].params[0] = 0;
  write_colmap_model(root + "/sparse/0", m, ColmapFormat::binary);
  EXPECT_THROW_MSG(load_capture(root), FormatError,
                   "[splat.colmap] " + root + "/sparse/0/cameras.bin: camera 2 (of image 6 'c.jpg'): fx must be a finite number > 0, got 0");
  // An unknown model id in cameras.bin (patched: the model id of camera 1 sits at bytes 12..15).
  std::string bytes = test::slurp_bytes(root + "/sparse/0/cameras.bin");
  bytes[12] = 77;
  test::write_file(root + "/sparse/0/cameras.bin", bytes);
  EXPECT_THROW_MSG(load_capture(root), FormatError, "cameras.bin: camera record 0 (camera 1): unknown camera model id 77");
}

}  // namespace
}  // namespace robomlx::splat
