// SPDX-License-Identifier: Apache-2.0
// 3DGS PLY layout: bit-exact round trips for SH degrees 0-3, the channel-major f_rest order on a
// hand-built file, the shipped donut scene against the golden activated inputs (made from the
// same PLY by the reference pipeline), and each malformed-input path.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/npy.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/sfm_points.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

namespace fs = std::filesystem;

GaussianScene random_scene(int n, int degree, std::uint64_t seed) {
  auto key = mx::random::key(seed);
  auto keys = mx::random::split(key, 5);
  auto k = [&](int i) { return mx::take(keys, i, 0); };
  GaussianScene s;
  s.sh_degree = degree;
  const int m = sh_coefficient_count(degree);
  s.means = mx::random::normal({n, 3}, mx::float32, k(0));
  s.log_scales = mx::random::uniform(-6.0f, -2.0f, {n, 3}, mx::float32, k(1));
  s.rotations = mx::random::normal({n, 4}, mx::float32, k(2));
  s.opacity_logits = mx::random::normal({n, 1}, mx::float32, k(3));
  s.sh = mx::random::normal({n, m, 3}, mx::float32, k(4));
  mx::eval(s.means, s.log_scales, s.rotations, s.opacity_logits, s.sh);
  return s;
}

void expect_bit_equal(const mx::array& a, const mx::array& b, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  const auto x = test::host<float>(a), y = test::host<float>(b);
  ASSERT_EQ(x.size(), y.size()) << what;
  EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0) << what;
}

TEST(GaussianPly, RoundTripIsBitExactForEveryShDegree) {
  const std::string dir = test::temp_dir();
  for (int degree = 0; degree <= 3; ++degree) {
    const GaussianScene s = random_scene(257, degree, 100 + degree);
    const std::string path = dir + "/scene" + std::to_string(degree) + ".ply";
    write_gaussian_ply(path, s);
    // 3 + 3 normals + 3 dc + 3 * ((d+1)^2 - 1) rest + 1 + 3 + 4 floats per Gaussian.
    const int floats = 17 + 3 * (sh_coefficient_count(degree) - 1);
    const PlyData raw = read_ply(path);
    EXPECT_EQ(raw.properties.size(), std::size_t(floats));
    EXPECT_EQ(raw.format, PlyFormat::BinaryLittleEndian);
    const GaussianScene r = read_gaussian_ply(path);
    EXPECT_EQ(r.sh_degree, degree);
    expect_bit_equal(r.means, s.means, "means");
    expect_bit_equal(r.log_scales, s.log_scales, "log_scales");
    expect_bit_equal(r.rotations, s.rotations, "rotations");
    expect_bit_equal(r.opacity_logits, s.opacity_logits, "opacity_logits");
    expect_bit_equal(r.sh, s.sh, "sh");
  }
}

TEST(GaussianPly, EmptySceneRoundTrips) {  // the fuzzer's first find: zero vertices
  const std::string path = test::temp_dir() + "/empty.ply";
  GaussianScene s;
  s.sh_degree = 2;
  s.sh = mx::zeros({0, 9, 3});
  write_gaussian_ply(path, s);
  const GaussianScene r = read_gaussian_ply(path);
  EXPECT_EQ(r.size(), 0);
  EXPECT_EQ(r.sh_degree, 2);
  EXPECT_EQ(r.sh.shape(), (mx::Shape{0, 9, 3}));
}

TEST(GaussianPly, FRestIsChannelMajorInTheFile) {
  // Degree 1 by hand: f_rest_{c*3 + (k-1)} = 10 * c + k, f_dc_c = 10 * c, written ASCII in a
  // shuffled property order with extra properties, so nothing here relies on our writer.
  std::string names[] = {"rot_0", "opacity", "y", "f_rest_8", "nx", "x", "f_dc_2", "scale_0", "f_rest_0", "f_rest_1",
                         "f_rest_2", "f_rest_3", "f_rest_4", "f_rest_5", "f_rest_6", "f_rest_7", "z", "f_dc_0",
                         "f_dc_1", "scale_1", "scale_2", "rot_1", "rot_2", "rot_3", "extra"};
  std::string header = "ply\nformat ascii 1.0\nelement vertex 1\n";
  std::string row;
  for (const auto& n : names) {
    header += "property float " + n + "\n";
    double v = 0.5;
    if (n.rfind("f_rest_", 0) == 0) {
      const int i = std::stoi(n.substr(7));
      v = 10 * (i / 3) + (i % 3 + 1);
    } else if (n.rfind("f_dc_", 0) == 0) {
      v = 10 * std::stoi(n.substr(5));
    }
    row += std::to_string(v) + " ";
  }
  const std::string path = test::temp_dir() + "/hand.ply";
  test::write_file(path, header + "end_header\n" + row + "\n");
  const GaussianScene s = read_gaussian_ply(path);
  ASSERT_EQ(s.sh_degree, 1);
  ASSERT_EQ(s.sh.shape(), (mx::Shape{1, 4, 3}));
  const auto sh = test::host<float>(s.sh);
  for (int k = 0; k < 4; ++k) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(sh[k * 3 + c], 10.0f * c + k) << "coefficient " << k << " channel " << c;
  }
}

TEST(GaussianPly, DonutMatchesTheGoldenActivatedInputs) {
  const std::string golden = test::shared_dir() + "/golden/splat/scene_donut/";
  const GaussianScene s = read_gaussian_ply(test::shared_dir() + "/data/splat/donut/fused.ply");
  ASSERT_EQ(s.size(), 45624);
  EXPECT_EQ(s.sh_degree, 0);
  struct Case {
    const char* file;
    mx::array ours;
    float rtol;
  };
  // exp / sigmoid / normalise in float32 may differ from the reference's by an ulp or two.
  const Case cases[] = {{"means3d.npy", s.means, 0},
                        {"scales.npy", activated_scales(s), 1e-6f},
                        {"rotations.npy", normalized_rotations(s), 1e-6f},
                        {"opacities.npy", activated_opacities(s), 1e-6f},
                        {"shs.npy", s.sh, 0}};
  for (const auto& c : cases) {
    const mx::array want = read_npy(golden + c.file);
    ASSERT_EQ(want.shape(), c.ours.shape()) << c.file;
    const auto w = test::host<float>(mx::astype(want, mx::float32)), o = test::host<float>(c.ours);
    double worst = 0;
    for (std::size_t i = 0; i < w.size(); ++i) worst = std::max(worst, std::fabs(double(o[i]) - w[i]) / std::max(1e-30, std::fabs(double(w[i]))));
    EXPECT_LE(worst, c.rtol) << c.file;
  }
}

TEST(GaussianPly, ActivatedViewsAreTheDocumentedFunctions) {
  GaussianScene s;
  s.means = mx::zeros({1, 3});
  s.log_scales = mx::array({0.0f, std::log(2.0f), -1.0f}, {1, 3});
  s.rotations = mx::array({2.0f, 0.0f, 0.0f, 0.0f}, {1, 4});
  s.opacity_logits = mx::array({0.0f}, {1, 1});
  s.sh = mx::zeros({1, 1, 3});
  s.validate();
  // Within 2 ulp: the default device's exp (a GPU's too) need not round like std::exp.
  const auto scales = test::host<float>(activated_scales(s));
  const float want[] = {1.0f, 2.0f, std::exp(-1.0f)};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(scales[i], want[i], 2.5e-7f * want[i]) << i;
  const auto q = test::host<float>(normalized_rotations(s));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(q[i], i == 0 ? 1.0f : 0.0f, 1e-7f) << i;
  EXPECT_NEAR(test::host<float>(activated_opacities(s))[0], 0.5f, 1e-7f);
}

// --- malformed files: FormatError "[splat.ply] <file>: ...", nothing allocated from a lying header

std::string standard_header(std::size_t n, const std::vector<std::string>& drop = {}) {
  std::string h = "ply\nformat binary_little_endian 1.0\nelement vertex " + std::to_string(n) + "\n";
  for (const char* p : {"x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0",
                        "rot_1", "rot_2", "rot_3"}) {
    if (std::find(drop.begin(), drop.end(), p) == drop.end()) h += std::string("property float ") + p + "\n";
  }
  return h + "end_header\n";
}

std::string floats(std::size_t count, float v) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

TEST(GaussianPlyHostile, EachBadFileNamesItselfAndTheProblem) {
  const std::string dir = test::temp_dir();
  auto path = [&](const char* name) { return dir + "/" + name; };

  test::write_file(path("truncated.ply"), standard_header(10) + floats(14 * 10 - 3, 1.0f));
  EXPECT_THROW_MSG(read_gaussian_ply(path("truncated.ply")), FormatError, "[splat.ply] " + path("truncated.ply") + ": ");

  std::string nan_row = floats(14, 1.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(nan_row.data() + 6 * 4, &nan, 4);  // opacity of vertex 1
  test::write_file(path("nan.ply"), standard_header(2) + floats(14, 1.0f) + nan_row);
  EXPECT_THROW_MSG(read_gaussian_ply(path("nan.ply")), FormatError,
                   "[splat.ply] " + path("nan.ply") + ": vertex 1 of 2: property 'opacity' is nan");

  test::write_file(path("missing.ply"), standard_header(1, {"scale_1"}) + floats(13, 1.0f));
  EXPECT_THROW_MSG(read_gaussian_ply(path("missing.ply")), FormatError,
                   "[splat.ply] " + path("missing.ply") + ": missing vertex property 'scale_1'");

  // 2^40 vertices over 56 bytes of data: refused from the header, nothing allocated. 2^28 is
  // within int32 but over the points cap (2^27), which is an InputLimitError.
  test::write_file(path("huge.ply"), standard_header(std::size_t(1) << 40) + floats(14, 1.0f));
  EXPECT_THROW_MSG(read_gaussian_ply(path("huge.ply")), FormatError,
                   "[splat.ply] " + path("huge.ply") + ": header line 3: vertex count 1099511627776 exceeds");
  test::write_file(path("big.ply"), standard_header(std::size_t(1) << 28) + floats(14, 1.0f));
  EXPECT_THROW_MSG(read_gaussian_ply(path("big.ply")), InputLimitError, "[splat.ply] " + path("big.ply") + ": ");
  EXPECT_THROW_MSG(read_gaussian_ply(path("big.ply")), InputLimitError, "exceeds the points cap of 134217728");

  test::write_file(path("cloud.ply"), "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
                                      "property float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\n"
                                      "end_header\n1 2 3 255 0 10\n");
  EXPECT_THROW_MSG(read_gaussian_ply(path("cloud.ply")), FormatError, "is a plain point cloud");
  const SfmPoints pts = read_sfm_points_ply(path("cloud.ply"));
  EXPECT_EQ(test::host<float>(pts.xyz), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(test::host<std::uint8_t>(pts.rgb), (std::vector<std::uint8_t>{255, 0, 10}));

  std::string rest_header = standard_header(1);
  rest_header.insert(rest_header.find("end_header"), "property float f_rest_0\nproperty float f_rest_1\n");
  test::write_file(path("rest.ply"), rest_header + floats(16, 0.0f));
  EXPECT_THROW_MSG(read_gaussian_ply(path("rest.ply")), FormatError, "has 2 f_rest_* properties");

  std::string int_header = standard_header(1);
  int_header.replace(int_header.find("property float opacity"), 22, "property uchar opacity");
  test::write_file(path("int.ply"), int_header + floats(6, 0.0f) + std::string(1, '\1') + floats(7, 0.0f));
  EXPECT_THROW_MSG(read_gaussian_ply(path("int.ply")), FormatError, "'opacity' must be float or double, got uchar");

  EXPECT_THROW_MSG(read_gaussian_ply(path("absent.ply")), FormatError, "[splat.ply] " + path("absent.ply") + ": cannot open");
}

TEST(GaussianPlyHostile, WritingANonFiniteSceneWritesNothing) {
  GaussianScene s = random_scene(4, 1, 7);
  s.log_scales = mx::where(mx::array(true), mx::array(std::numeric_limits<float>::infinity()), s.log_scales);
  const std::string path = test::temp_dir() + "/out.ply";
  EXPECT_THROW_MSG(write_gaussian_ply(path, s), std::invalid_argument, "[splat.ply] scene value of Gaussian 0 for property 'scale_0' must be finite");
  EXPECT_FALSE(fs::exists(path));
  s = random_scene(4, 1, 7);
  s.sh = mx::zeros({4, 9, 3});  // degree 2 coefficients with sh_degree 1
  EXPECT_THROW_MSG(write_gaussian_ply(path, s), std::invalid_argument, "[splat.scene] sh");
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace robomlx::splat
