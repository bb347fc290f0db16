// SPDX-License-Identifier: Apache-2.0
// `robomlx splat render` through the binary: a small scene's PNG against rasterize() called
// directly (quantised by a plain loop), --all and --write-cameras, and the errors: each exits
// non-zero with one line naming the problem and leaves no output behind.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "hostile_files.h"
#include "robomlx/core/io/png.h"
#include "robomlx/splat/cameras_json.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/orbit_cameras.h"
#include "robomlx/splat/rasterize.h"
#include "robomlx/splat/render_view.h"
#include "robomlx/splat/transforms_json.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

namespace fs = std::filesystem;

std::string cli_path() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  const auto p = fs::path(buf).parent_path().parent_path() / "apps" / "robomlx" / "robomlx";
  return fs::exists(p) ? p.string() : "";
}

struct CliRun {
  int code = -1;
  std::string err;
};

CliRun run_cli(const std::string& args) {
  const std::string errfile = test::temp_dir() + "/err.txt";
  const int rc = std::system((test::launcher_prefix() + cli_path() + " --device cpu splat render " + args +
                              " >/dev/null 2>" + errfile).c_str());
  std::ifstream in(errfile);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, std::string(std::istreambuf_iterator<char>(in), {})};
}

// 300 Gaussians in a 1-unit ball, SH degree 1, seen by 3 orbit cameras at distance 4.
GaussianScene small_scene() {
  auto keys = mx::random::split(mx::random::key(7), 5);
  auto k = [&](int i) { return mx::take(keys, i, 0); };
  GaussianScene s;
  const int n = 300;
  s.sh_degree = 1;
  s.means = mx::random::uniform(-1.0f, 1.0f, {n, 3}, mx::float32, k(0));
  s.log_scales = mx::random::uniform(-3.5f, -2.0f, {n, 3}, mx::float32, k(1));
  s.rotations = mx::random::normal({n, 4}, mx::float32, k(2));
  s.opacity_logits = mx::random::normal({n, 1}, mx::float32, k(3));
  s.sh = mx::random::normal({n, 4, 3}, mx::float32, k(4));
  mx::eval(s.means, s.log_scales, s.rotations, s.opacity_logits, s.sh);
  return s;
}

std::vector<Camera> small_cameras() {
  OrbitOptions o;
  o.count = 3;
  o.radius = 4;
  o.elevations_deg = {20};
  o.width = 72, o.height = 40;  // not multiples of the 16-pixel tile
  o.fov_x_deg = 45;
  return orbit_cameras(o);
}

// The expected 8-bit image: rasterize() on the CPU, then clamp and floor(255 c + 0.5) per sample.
std::vector<std::uint8_t> reference_rgb8(const GaussianScene& s, const Camera& cam, std::array<float, 3> bg, int degree) {
  const mx::Device cpu = mx::Device::cpu;
  RasterInputs in{s.means, activated_scales(s, cpu), normalized_rotations(s, cpu), activated_opacities(s, cpu), s.sh,
                  std::nullopt};
  const auto color = test::host<float>(rasterize(in, RasterSettings::from_camera(cam, degree, bg), cpu).color);
  const std::size_t hw = std::size_t(cam.width) * cam.height;
  std::vector<std::uint8_t> out(hw * 3);
  for (std::size_t p = 0; p < hw; ++p) {
    for (int c = 0; c < 3; ++c) {
      const float v = std::min(std::max(color[c * hw + p], 0.0f), 1.0f);
      out[p * 3 + c] = std::uint8_t(std::floor(v * 255.0f + 0.5f));
    }
  }
  return out;
}

void expect_png_equals(const std::string& path, const std::vector<std::uint8_t>& want, const Camera& cam) {
  const Image img = read_png(path);
  ASSERT_EQ(img.width, cam.width) << path;
  ASSERT_EQ(img.height, cam.height) << path;
  ASSERT_EQ(img.channels, 3) << path;
  ASSERT_EQ(img.dtype, mx::uint8) << path;
  int differ = 0, nonbg = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    differ += img.bytes[i] != want[i];
    nonbg += want[i] != want[i % 3];
  }
  EXPECT_EQ(differ, 0) << path << ": samples differing from rasterize()";
  EXPECT_GT(nonbg, int(want.size() / 20)) << "the scene should cover part of the image";
}

class SplatRenderCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cli_path().empty()) GTEST_SKIP() << "robomlx binary not built next to the tests (build target robomlx_cli)";
    dir_ = test::temp_dir();
    scene_ = small_scene();
    cams_ = small_cameras();
    write_gaussian_ply(dir_ + "/scene.ply", scene_);
    write_cameras_json(dir_ + "/cameras.json", cams_);
  }
  std::string dir_;
  GaussianScene scene_;
  std::vector<Camera> cams_;
};

TEST_F(SplatRenderCli, OneViewMatchesRasterizeDirectly) {
  const CliRun r = run_cli("--ply " + dir_ + "/scene.ply --cameras " + dir_ + "/cameras.json --view 1 --background 0.2,0.4,0.6 --out " +
                        dir_ + "/v1.png");
  ASSERT_EQ(r.code, 0) << r.err;
  expect_png_equals(dir_ + "/v1.png", reference_rgb8(scene_, cams_[1], {0.2f, 0.4f, 0.6f}, 1), cams_[1]);
  // --sh-degree 0 renders the DC term only.
  ASSERT_EQ(run_cli("--ply " + dir_ + "/scene.ply --cameras " + dir_ + "/cameras.json --view 2 --sh-degree 0 --out " + dir_ + "/v2.png").code, 0);
  expect_png_equals(dir_ + "/v2.png", reference_rgb8(scene_, cams_[2], {0, 0, 0}, 0), cams_[2]);
}

TEST_F(SplatRenderCli, AllViewsOfAnOrbitWithItsCameras) {
  const CliRun r = run_cli("--ply " + dir_ + "/scene.ply --orbit 3 --radius 4 --elevation 20 --center 0,0,0 --width 72 --height 40 "
                        "--fov 45 --all --out " + dir_ + "/cap/images --write-cameras " + dir_ + "/cap/transforms.json");
  ASSERT_EQ(r.code, 0) << r.err;
  for (int i = 0; i < 3; ++i) {
    expect_png_equals(dir_ + "/cap/images/view_00" + std::to_string(i) + ".png", reference_rgb8(scene_, cams_[i], {0, 0, 0}, 1), cams_[i]);
  }
  // The written cameras are the orbit's and point at the rendered images: a posed capture.
  const TransformsCameras t = read_transforms_json(dir_ + "/cap/transforms.json");
  ASSERT_EQ(t.cameras.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.cameras[i].name, "images/view_00" + std::to_string(i) + ".png");
    EXPECT_TRUE(fs::is_regular_file(t.cameras[i].image_path));
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(t.cameras[i].translation[k], cams_[i].translation[k], 1e-12);
  }
}

TEST_F(SplatRenderCli, ErrorsNameTheProblemAndLeaveNothing) {
  const std::string base = "--ply " + dir_ + "/scene.ply ";
  const std::string out = dir_ + "/out.png";
  CliRun r = run_cli(base + "--cameras " + dir_ + "/cameras.json --view 40 --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("view 40 out of range 0..2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir_ + "/cameras.json"), std::string::npos) << r.err;
  r = run_cli(base + "--cameras " + dir_ + "/cameras.json --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("has 3 cameras: choose one with --view i (0..2) or render all with --all"), std::string::npos) << r.err;
  r = run_cli(base + "--cameras " + dir_ + "/missing.json --view 0 --out " + out);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("[splat.cameras] " + dir_ + "/missing.json: no such file or folder"), std::string::npos) << r.err;
  // A NaN in the scene: the PLY reader names the vertex and the property.
  write_gaussian_ply(dir_ + "/nan.ply", scene_);
  {
    std::string bytes = test::slurp_bytes(dir_ + "/nan.ply");
    const std::size_t body = bytes.find("end_header\n") + 11;
    std::size_t props = 0;
    for (std::size_t at = 0; (at = bytes.find("property float", at)) < body; ++at) ++props;
    const float nan = std::nanf("");
    std::memcpy(&bytes[body + (5 * props + 1) * 4], &nan, 4);  // vertex 5, property 1 (y)
    test::write_file(dir_ + "/nan.ply", bytes);
  }
  r = run_cli("--ply " + dir_ + "/nan.ply --cameras " + dir_ + "/cameras.json --all --out " + dir_ + "/outdir");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("nan.ply"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("vertex 5"), std::string::npos) << r.err;
  r = run_cli(base + "--orbit 3 --all --out " + dir_ + "/outdir");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--orbit needs --radius R"), std::string::npos) << r.err;
  r = run_cli(base + "--cameras " + dir_ + "/cameras.json --width 64 --all --out " + dir_ + "/outdir");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--width only applies with --orbit N"), std::string::npos) << r.err;
  r = run_cli(base + "--cameras " + dir_ + "/cameras.json --view 0 --out " + dir_ + "/x.jpg");
  EXPECT_EQ(r.code, 2);
  r = run_cli(base + "--cameras " + dir_ + "/cameras.json --view 0 --background 0,2,0 --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("background must be 3 numbers in [0, 1], got 2"), std::string::npos) << r.err;
  r = run_cli(base + "--cameras " + dir_ + "/cameras.json --view 0 --sh-degree 2 --out " + out);
  EXPECT_EQ(r.code, 2);
  // Every failure: one line, and nothing but the inputs in the folder (no PNG, no staging folder).
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name == "scene.ply" || name == "cameras.json" || name == "nan.ply" || name == "err.txt") << "left behind: " << name;
  }
}

}  // namespace
}  // namespace robomlx::splat
