// SPDX-License-Identifier: Apache-2.0
// COLMAP models: a hand-written text model with known projections, binary records built byte by
// byte from the documented layout, text and binary writers reading back identically, and each
// malformed-input path.
#include <cmath>
#include <filesystem>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/splat/colmap.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

namespace fs = std::filesystem;

const char* kCameras =
    "# Camera list\n"
    "1 PINHOLE 640 480 500 510 320 240\n"
    "2 SIMPLE_PINHOLE 200 100 400 100 50\n";
// Image 1: identity rotation, 5 units in front. Image 2: 90 degrees about y, so the camera sits at
// (4, 0, 0) looking along -x at the origin. Keypoint lines: one with a triple, one empty.
const char* kImages =
    "# Image list\n"
    "1 1 0 0 0 0 0 5 1 b.png\n"
    "10.5 20.5 1 30 40 -1\n"
    "2 0.70710678118654757 0 0.70710678118654757 0 0 0 4 2 a.png\n"
    "\n";
const char* kPoints =
    "# 3D point list\n"
    "1 0.5 -0.25 2 255 128 0 0.7 1 0 2 3\n"
    "7 -1 1e-3 3.5 0 10 20 1.5\n";

std::string write_text_model(const std::string& dir, const std::string& cameras = kCameras,
                             const std::string& images = kImages, const std::string& points = kPoints) {
  fs::create_directories(dir);
  test::write_file(dir + "/cameras.txt", cameras);
  test::write_file(dir + "/images.txt", images);
  test::write_file(dir + "/points3D.txt", points);
  return dir;
}

void expect_same_model(const ColmapModel& a, const ColmapModel& b) {
  ASSERT_EQ(a.cameras.size(), b.cameras.size());
  for (std::size_t i = 0; i < a.cameras.size(); ++i) {
    EXPECT_EQ(a.cameras[i].id, b.cameras[i].id);
    EXPECT_EQ(a.cameras[i].model, b.cameras[i].model);
    EXPECT_EQ(a.cameras[i].width, b.cameras[i].width);
    EXPECT_EQ(a.cameras[i].height, b.cameras[i].height);
    EXPECT_EQ(a.cameras[i].params, b.cameras[i].params);
  }
  ASSERT_EQ(a.images.size(), b.images.size());
  for (std::size_t i = 0; i < a.images.size(); ++i) {
    EXPECT_EQ(a.images[i].id, b.images[i].id);
    EXPECT_EQ(a.images[i].qvec, b.images[i].qvec);
    EXPECT_EQ(a.images[i].tvec, b.images[i].tvec);
    EXPECT_EQ(a.images[i].camera_id, b.images[i].camera_id);
    EXPECT_EQ(a.images[i].name, b.images[i].name);
  }
  EXPECT_EQ(test::host<float>(a.points.xyz), test::host<float>(b.points.xyz));
  EXPECT_EQ(test::host<std::uint8_t>(a.points.rgb), test::host<std::uint8_t>(b.points.rgb));
}

TEST(Colmap, TextModelGivesKnownCamerasAndProjections) {
  const ColmapModel m = read_colmap_model(write_text_model(test::temp_dir() + "/sparse"));
  ASSERT_EQ(m.cameras.size(), 2u);
  EXPECT_EQ(m.cameras[1].model, "SIMPLE_PINHOLE");
  EXPECT_EQ(m.cameras[1].params, (std::vector<double>{400, 100, 50}));
  ASSERT_EQ(m.images.size(), 2u);
  EXPECT_EQ(m.images[0].name, "b.png");
  EXPECT_EQ(test::host<float>(m.points.xyz), (std::vector<float>{0.5f, -0.25f, 2, -1, 1e-3f, 3.5f}));
  EXPECT_EQ(test::host<std::uint8_t>(m.points.rgb), (std::vector<std::uint8_t>{255, 128, 0, 0, 10, 20}));

  const std::vector<Camera> cams = colmap_cameras(m, "/data/images");
  ASSERT_EQ(cams.size(), 2u);
  EXPECT_EQ(cams[0].name, "a.png");  // sorted by name, as graphdeco does
  EXPECT_EQ(cams[0].image_path, "/data/images/a.png");
  EXPECT_EQ(cams[0].fx, 400);
  EXPECT_EQ(cams[0].fy, 400);
  const Camera& b = cams[1];
  EXPECT_EQ(b.width, 640);
  // (1, 0.5, 0) is (1, 0.5, 5) in camera 1: u = 500 * 0.2 + 320, v = 510 * 0.1 + 240.
  auto uv = b.project({1, 0.5, 0});
  EXPECT_NEAR(uv[0], 420, 1e-9);
  EXPECT_NEAR(uv[1], 291, 1e-9);
  const Camera& a = cams[0];
  const Vec3 centre = a.center();
  EXPECT_NEAR(centre[0], 4, 1e-9);
  EXPECT_NEAR(centre[1], 0, 1e-9);
  EXPECT_NEAR(centre[2], 0, 1e-9);
  uv = a.project({0, 0, 0});  // looked at head-on: the principal point
  EXPECT_NEAR(uv[0], 100, 1e-9);
  EXPECT_NEAR(uv[1], 50, 1e-9);
  uv = a.project({0, 0, 1});  // world +z is the camera's +x here: (1, 0, 4) in camera 2
  EXPECT_NEAR(uv[0], 200, 1e-9);
  EXPECT_NEAR(uv[1], 50, 1e-9);
  uv = a.project({0, 1, 0});  // world +y is the camera's +y (down in the image)
  EXPECT_NEAR(uv[0], 100, 1e-9);
  EXPECT_NEAR(uv[1], 150, 1e-9);
}

template <typename T>
std::string le(T v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
}

TEST(Colmap, BinaryRecordsFollowTheDocumentedLayout) {
  // Built byte by byte (not by our writer): i32 id, i32 model, u64 w, u64 h, f64 params.
  const std::string cams = le<std::uint64_t>(1) + le<std::int32_t>(3) + le<std::int32_t>(1) + le<std::uint64_t>(64) +
                           le<std::uint64_t>(48) + le(50.0) + le(51.0) + le(32.0) + le(24.0);
  const auto c = parse_colmap_cameras(cams, ColmapFormat::binary, "cameras.bin");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, 3u);
  EXPECT_EQ(c[0].model, "PINHOLE");
  EXPECT_EQ(c[0].params, (std::vector<double>{50, 51, 32, 24}));
  // u32 id, 4 f64 q, 3 f64 t, u32 camera, name NUL, u64 n, n x (f64, f64, i64).
  std::string ims = le<std::uint64_t>(1) + le<std::uint32_t>(9) + le(1.0) + le(0.0) + le(0.0) + le(0.0) + le(0.1) +
                    le(0.2) + le(0.3) + le<std::uint32_t>(3) + std::string("dir/x y.png", 11) + '\0' + le<std::uint64_t>(2);
  ims += le(1.5) + le(2.5) + le<std::int64_t>(-1) + le(3.5) + le(4.5) + le<std::int64_t>(12);
  const auto i = parse_colmap_images(ims, ColmapFormat::binary, "images.bin");
  ASSERT_EQ(i.size(), 1u);
  EXPECT_EQ(i[0].id, 9u);
  EXPECT_EQ(i[0].camera_id, 3u);
  EXPECT_EQ(i[0].name, "dir/x y.png");
  EXPECT_EQ(i[0].tvec, (std::array<double, 3>{0.1, 0.2, 0.3}));
  // u64 id, 3 f64, 3 u8, f64 error, u64 n, n x (i32, i32).
  const std::string pts = le<std::uint64_t>(1) + le<std::uint64_t>(42) + le(1.0) + le(-2.0) + le(3.25) +
                          std::string("\x01\x02\xff", 3) + le(0.5) + le<std::uint64_t>(1) + le<std::int32_t>(9) +
                          le<std::int32_t>(0);
  const SfmPoints p = parse_colmap_points3d(pts, ColmapFormat::binary, "points3D.bin");
  EXPECT_EQ(test::host<float>(p.xyz), (std::vector<float>{1, -2, 3.25f}));
  EXPECT_EQ(test::host<std::uint8_t>(p.rgb), (std::vector<std::uint8_t>{1, 2, 255}));
}

TEST(Colmap, TextAndBinaryWritersReadBackIdentically) {
  const std::string dir = test::temp_dir();
  const ColmapModel m = read_colmap_model(write_text_model(dir + "/hand"));
  write_colmap_model(dir + "/text", m, ColmapFormat::text);
  write_colmap_model(dir + "/bin", m, ColmapFormat::binary);
  EXPECT_TRUE(fs::exists(dir + "/bin/cameras.bin"));
  const ColmapModel t = read_colmap_model(dir + "/text", ColmapFormat::text);
  const ColmapModel b = read_colmap_model(dir + "/bin");  // binary preferred when present
  EXPECT_EQ(b.cameras_file, dir + "/bin/cameras.bin");
  expect_same_model(t, m);
  expect_same_model(b, m);
  // A binary copy beside the text one is what read_colmap_model(dir) picks.
  write_colmap_model(dir + "/text", m, ColmapFormat::binary);
  EXPECT_EQ(read_colmap_model(dir + "/text").images_file, dir + "/text/images.bin");
}

TEST(ColmapHostile, EachBadModelNamesTheFileAndTheField) {
  const std::string dir = test::temp_dir();
  auto text_model = [&](const std::string& name, const std::string& cameras, const std::string& images = kImages) {
    return read_colmap_model(write_text_model(dir + "/" + name, cameras, images));
  };
  // Zero focal length: refused when the cameras are built, naming cameras.txt and the camera.
  const ColmapModel zero = text_model("zero", "1 PINHOLE 640 480 0 510 320 240\n2 SIMPLE_PINHOLE 200 100 400 100 50\n");
  EXPECT_THROW_MSG(colmap_cameras(zero, "images"), FormatError,
                   "[splat.colmap] " + dir + "/zero/cameras.txt: camera 1 (of image 1 'b.png'): fx must be a finite number > 0, got 0");
  EXPECT_THROW_MSG(text_model("unknown", "1 FOOBAR 640 480 1 2 3\n"), FormatError,
                   "[splat.colmap] " + dir + "/unknown/cameras.txt: line 1: unknown camera model 'FOOBAR'");
  EXPECT_THROW_MSG(text_model("params", "1 PINHOLE 640 480 1 2 3\n"), FormatError,
                   "line 1: camera 1: model PINHOLE has 4 parameters, got 3");
  const ColmapModel radial = text_model("radial", "1 SIMPLE_RADIAL 640 480 500 320 240 0.01\n2 PINHOLE 200 100 400 400 100 50\n");
  EXPECT_THROW_MSG(colmap_cameras(radial, "images"), FormatError, "uses the SIMPLE_RADIAL model, which has lens distortion");
  EXPECT_THROW_MSG(colmap_cameras(radial, "images"), FormatError, "colmap image_undistorter");
  const ColmapModel orphan = text_model("orphan", kCameras, "1 1 0 0 0 0 0 5 9 b.png\n\n");
  EXPECT_THROW_MSG(colmap_cameras(orphan, "images"), FormatError, "image 1 'b.png': camera 9 is not in " + dir + "/orphan/cameras.txt");
  const ColmapModel zero_q = text_model("qvec", kCameras, "1 0 0 0 0 0 0 5 1 b.png\n\n");
  EXPECT_THROW_MSG(colmap_cameras(zero_q, "i"), FormatError,
                   "[splat.colmap] " + dir + "/qvec/images.txt: image 1 'b.png': QW QX QY QZ must be a finite non-zero quaternion");
  EXPECT_THROW_MSG(text_model("nanq", kCameras, "1 nan 0 0 0 0 0 5 1 b.png\n\n"), FormatError, "line 1: QW must be a finite number, got 'nan'");
  EXPECT_THROW_MSG(read_colmap_model(dir + "/nothing-here"), FormatError, "neither cameras.bin nor cameras.txt");

  // Binary: unknown model id, a truncated record, a count no file could hold.
  const std::string bad_id = le<std::uint64_t>(1) + le<std::int32_t>(1) + le<std::int32_t>(42) + le<std::uint64_t>(1) + le<std::uint64_t>(1);
  EXPECT_THROW_MSG(parse_colmap_cameras(bad_id, ColmapFormat::binary, "c.bin"), FormatError,
                   "[splat.colmap] c.bin: camera record 0 (camera 1): unknown camera model id 42");
  const ColmapModel m = read_colmap_model(write_text_model(dir + "/good"));
  write_colmap_model(dir + "/bin", m, ColmapFormat::binary);
  const std::string images = test::slurp_bytes(dir + "/bin/images.bin");
  EXPECT_THROW_MSG(parse_colmap_images(images.substr(0, images.size() - 5), ColmapFormat::binary, "i.bin"), FormatError,
                   "[splat.colmap] i.bin: truncated: image record 1 keypoint count needs 8 bytes");
  const std::string lying = le<std::uint64_t>(std::uint64_t(1) << 60) + images.substr(8);
  EXPECT_THROW_MSG(parse_colmap_images(lying, ColmapFormat::binary, "i.bin"), FormatError, "image count is 1152921504606846976, but");
  EXPECT_THROW_MSG(parse_colmap_images(images + "x", ColmapFormat::binary, "i.bin"), FormatError, "1 unexpected bytes after 2 images");

  // The points cap holds for both forms.
  set_input_cap(InputCap::points, 1);
  EXPECT_THROW_MSG(read_colmap_model(dir + "/good", ColmapFormat::text), InputLimitError, "exceeds the points cap of 1");
  EXPECT_THROW_MSG(read_colmap_model(dir + "/bin"), InputLimitError, "[splat.colmap] " + dir + "/bin/points3D.bin: points3D count 2 exceeds the points cap of 1");
  set_input_cap(InputCap::points, 0);
}

TEST(ColmapHostile, InvalidModelsWriteNothing) {
  const std::string dir = test::temp_dir();
  ColmapModel m = read_colmap_model(write_text_model(dir + "/hand"));
  m.images[1].id = m.images[0].id;
  EXPECT_THROW_MSG(write_colmap_model(dir + "/out", m, ColmapFormat::binary), std::invalid_argument, "[splat.colmap] image 1: id is used twice");
  m = read_colmap_model(dir + "/hand");
  m.images[0].name = "two\nlines.png";
  EXPECT_THROW_MSG(write_colmap_model(dir + "/out", m, ColmapFormat::text), std::invalid_argument, "name must be non-empty, without line breaks");
  m = read_colmap_model(dir + "/hand");
  m.cameras[0].params.pop_back();
  EXPECT_THROW_MSG(write_colmap_model(dir + "/out", m, ColmapFormat::text), std::invalid_argument, "model PINHOLE needs 4 params, got 3");
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

}  // namespace
}  // namespace robomlx::splat
