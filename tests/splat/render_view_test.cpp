// SPDX-License-Identifier: Apache-2.0
// Rendering for people: the 8-bit quantisation against a plain loop, orbit cameras against their
// geometric definition, the transforms.json writer read back by the reader, and camera sources
// recognised by what they are.
#include <cmath>
#include <filesystem>

#include <mlx/ops.h>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/splat/camera_source.h"
#include "robomlx/splat/cameras_json.h"
#include "robomlx/splat/colmap.h"
#include "robomlx/splat/orbit_cameras.h"
#include "robomlx/splat/render_view.h"
#include "robomlx/splat/transforms_json.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

namespace fs = std::filesystem;

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }

TEST(RenderView, Rgb8IsClampedAndRoundedAsSaveImage) {
  // [3, 1, 4]: channel c, pixel x.
  const std::vector<float> c = {0.0f, 1.0f, -0.3f, 1.7f, 0.5f, 0.25f, 0.75f, 0.998f, 0.001f, 0.002f, 0.0019608f, 0.5019608f};
  const auto got = test::host<std::uint8_t>(color_to_rgb8(mx::array(c.data(), {3, 1, 4}, mx::float32)));
  ASSERT_EQ(got.size(), 12u);
  for (int x = 0; x < 4; ++x) {
    for (int ch = 0; ch < 3; ++ch) {
      const float v = std::min(std::max(c[ch * 4 + x], 0.0f), 1.0f);
      EXPECT_EQ(int(got[x * 3 + ch]), int(std::floor(v * 255.0f + 0.5f))) << "pixel " << x << " channel " << ch;
    }
  }
  EXPECT_EQ(int(got[0 * 3 + 1]), 128);  // 0.5 -> 127.5 + 0.5 -> 128, as torchvision's save_image
  EXPECT_THROW(color_to_rgb8(mx::zeros({4, 2, 2})), std::invalid_argument);
}

TEST(RenderView, OptionsAreChecked) {
  GaussianScene scene;
  RenderViewOptions o;
  o.background = {0.5f, 1.5f, 0};
  EXPECT_THROW_MSG(o.validate(scene), std::invalid_argument, "background must be 3 numbers in [0, 1], got 1.5");
  o.background = {0, 0, 0};
  o.sh_degree = 1;
  EXPECT_THROW_MSG(o.validate(scene), std::invalid_argument, "sh-degree must be in [0, 0] (the scene's degree), got 1");
}

TEST(OrbitCameras, SitOnTheCircleLookAtTheCentreWithUpUp) {
  OrbitOptions o;
  o.count = 12;
  o.center = {0.3, -0.2, 1.0};
  o.radius = 2.5;
  o.elevations_deg = {35};
  o.up = {0, 0, 2};  // any length
  o.width = 320, o.height = 200;
  o.fov_x_deg = 60;
  const auto cams = orbit_cameras(o);
  ASSERT_EQ(cams.size(), 12u);
  const double pi = std::acos(-1.0);
  for (int i = 0; i < 12; ++i) {
    const Camera& c = cams[i];
    EXPECT_EQ(c.name, "view_" + std::string(i < 10 ? "00" : "0") + std::to_string(i) + ".png");
    EXPECT_NEAR(c.fx, 160 / std::tan(pi / 6), 1e-9);
    EXPECT_EQ(c.fx, c.fy);
    EXPECT_EQ(c.cx, 160);
    EXPECT_EQ(c.cy, 100);
    const Vec3 d = sub(c.center(), o.center);
    EXPECT_NEAR(std::sqrt(dot(d, d)), 2.5, 1e-12);
    EXPECT_NEAR(std::asin(d[2] / 2.5) * 180 / pi, 35, 1e-9);  // elevation above the z = 1 plane
    EXPECT_NEAR(std::atan2(d[1], d[0]), std::remainder(2 * pi * i / 12, 2 * pi), 1e-9);  // azimuth from +x
    const auto uv = c.project(o.center);  // the centre is seen at the principal point, in front
    EXPECT_NEAR(uv[0], 160, 1e-9);
    EXPECT_NEAR(uv[1], 100, 1e-9);
    EXPECT_GT(c.to_camera(o.center)[2], 0);
    // A point above the centre appears higher in the image (smaller v); the horizon stays level:
    // the camera's x axis has no up component.
    EXPECT_LT(c.project({0.3, -0.2, 1.1})[1], 100);
    EXPECT_NEAR(c.rotation[2], 0, 1e-12);  // row 0 of R is the camera x axis in the world
  }
  o.elevations_deg = {10, 89};
  EXPECT_THROW_MSG(orbit_cameras(o), std::invalid_argument, "elevation must be in (-89, 89) degrees, got 89");
  o.elevations_deg = {};
  EXPECT_THROW_MSG(orbit_cameras(o), std::invalid_argument, "elevations must be 1 to 16 angles");
  o.elevations_deg = {10};
  o.up = {0, 0, 0};
  EXPECT_THROW_MSG(orbit_cameras(o), std::invalid_argument, "up must be a non-zero vector");
}

TEST(OrbitCameras, RingsComeOneAfterTheOtherStaggered) {
  OrbitOptions o;
  o.count = 4;
  o.radius = 1;
  o.elevations_deg = {-20, 0, 40};
  const auto cams = orbit_cameras(o);
  ASSERT_EQ(cams.size(), 12u);
  const double pi = std::acos(-1.0);
  for (int i = 0; i < 12; ++i) {
    const int ring = i / 4, j = i % 4;
    const Vec3 c = cams[i].center();
    EXPECT_EQ(cams[i].name, "view_0" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ".png");
    EXPECT_NEAR(std::asin(c[2]) * 180 / pi, o.elevations_deg[ring], 1e-9);
    EXPECT_NEAR(std::atan2(c[1], c[0]), std::remainder(2 * pi * (j + ring / 3.0) / 4, 2 * pi), 1e-9) << i;
  }
}

TEST(OrbitCameras, CentroidIsTheMeanOfTheCentres) {
  GaussianScene s;
  const float m[] = {0, 0, 0, 1, 2, 3, 2, 4, 9};
  s.means = mx::array(m, {3, 3});
  s.log_scales = mx::zeros({3, 3});
  s.rotations = mx::zeros({3, 4});
  s.opacity_logits = mx::zeros({3, 1});
  s.sh = mx::zeros({3, 1, 3});
  const Vec3 c = scene_centroid(s);
  EXPECT_DOUBLE_EQ(c[0], 1);
  EXPECT_DOUBLE_EQ(c[1], 2);
  EXPECT_DOUBLE_EQ(c[2], 4);
  EXPECT_THROW_MSG(scene_centroid(GaussianScene{}), std::invalid_argument, "the scene has no Gaussians");
}

void expect_same_cameras(const std::vector<Camera>& a, const std::vector<Camera>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].width, b[i].width);
    EXPECT_EQ(a[i].height, b[i].height);
    EXPECT_NEAR(a[i].fx, b[i].fx, tol);
    EXPECT_NEAR(a[i].fy, b[i].fy, tol);
    EXPECT_NEAR(a[i].cx, b[i].cx, tol);
    EXPECT_NEAR(a[i].cy, b[i].cy, tol);
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(a[i].rotation[k], b[i].rotation[k], tol) << "camera " << i;
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(a[i].translation[k], b[i].translation[k], tol) << "camera " << i;
  }
}

TEST(TransformsJsonWriter, ReadsBackTheSameCamerasAndRelativePaths) {
  const std::string dir = test::temp_dir();
  OrbitOptions o;
  o.count = 5;
  o.radius = 0.7;
  o.center = {0.1, 0.2, 0.3};
  o.up = {0.2, 1, 0.1};
  auto cams = orbit_cameras(o);
  cams[0].cx = 300.25;  // off-centre principal points survive (cameras.json could not hold them)
  cams[1].fy = 700;
  for (auto& c : cams) c.image_path = dir + "/images/" + c.name;
  cams[4].image_path.clear();  // no image: file_path is the name
  fs::create_directories(dir + "/cap");
  write_transforms_json(dir + "/cap/transforms.json", cams);
  const TransformsCameras back = read_transforms_json(dir + "/cap/transforms.json");
  expect_same_cameras(back.cameras, cams, 1e-12);
  EXPECT_EQ(back.cameras[0].name, "../images/view_000.png");
  EXPECT_EQ(back.cameras[4].name, "view_004.png");
  cams[2].fx = 0;
  EXPECT_THROW_MSG(encode_transforms_json(cams, dir), std::invalid_argument, "camera 2 ('view_002.png'): fx must be");
  EXPECT_THROW(encode_transforms_json({}, dir), std::invalid_argument);
}

TEST(CameraSource, RecognisesEachKindByWhatItIs) {
  const std::string dir = test::temp_dir();
  OrbitOptions o;
  o.count = 3;
  const auto cams = orbit_cameras(o);
  // A capture folder with sparse/0 (COLMAP text), a bare model folder, transforms.json, cameras.json.
  ColmapModel m;
  m.cameras.push_back({1, "PINHOLE", 640, 480, {cams[0].fx, cams[0].fy, 320, 240}});
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Camera& c = cams[2 - i];  // written out of name order: read back sorted
    ColmapImage im;
    im.id = i + 1;
    im.camera_id = 1;
    im.name = c.name;
    // R -> quaternion (w, x, y, z) for these rotations (trace > -1 holds for orbit cameras here).
    const auto& r = c.rotation;
    const double w = 0.5 * std::sqrt(std::max(0.0, 1 + r[0] + r[4] + r[8]));
    ASSERT_GT(w, 0.1);
    im.qvec = {w, (r[7] - r[5]) / (4 * w), (r[2] - r[6]) / (4 * w), (r[3] - r[1]) / (4 * w)};
    im.tvec = c.translation;
    m.images.push_back(im);
  }
  write_colmap_model(dir + "/cap/sparse/0", m, ColmapFormat::text);
  const CameraSource cap = read_camera_source(dir + "/cap");
  EXPECT_EQ(cap.kind, "COLMAP model");
  expect_same_cameras(cap.cameras, cams, 1e-9);
  EXPECT_EQ(fs::path(cap.cameras[0].image_path), fs::absolute(dir + "/cap/images/view_000.png").lexically_normal());
  EXPECT_EQ(read_camera_source(dir + "/cap/sparse/0/").cameras.size(), 3u);

  fs::create_directories(dir + "/t");
  write_transforms_json(dir + "/t/transforms.json", cams);
  EXPECT_EQ(read_camera_source(dir + "/t").kind, "transforms.json");
  expect_same_cameras(read_camera_source(dir + "/t/transforms.json").cameras, cams, 1e-12);
  write_cameras_json(dir + "/cameras.json", cams);
  const CameraSource cj = read_camera_source(dir + "/cameras.json");
  EXPECT_EQ(cj.kind, "cameras.json");
  expect_same_cameras(cj.cameras, cams, 1e-12);

  EXPECT_THROW_MSG(read_camera_source(dir + "/nothing.json"), FormatError, "no such file or folder");
  fs::create_directories(dir + "/empty");
  EXPECT_THROW_MSG(read_camera_source(dir + "/empty"), FormatError, "is not a camera source");
  test::write_file(dir + "/junk.json", "  7");
  EXPECT_THROW_MSG(read_camera_source(dir + "/junk.json"), FormatError, "neither a transforms.json");
  test::write_file(dir + "/bad.json", "[{\"id\": 0}]");
  EXPECT_THROW_MSG(read_camera_source(dir + "/bad.json"), FormatError, "[splat.cameras]");
}

}  // namespace
}  // namespace robomlx::splat
