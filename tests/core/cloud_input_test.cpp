// SPDX-License-Identifier: Apache-2.0
// The non-finite policy and the points cap where point clouds are loaded (PLY and NPY): a NaN or
// an infinity is rejected naming the row and property, or dropped and counted when asked; never
// handed on into statistics.
#include <cmath>
#include <limits>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "hostile_files.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/npy.h"
#include "robomlx/core/point_cloud.h"
#include "support.h"

namespace robomlx {
namespace {

std::string ascii_ply(const std::string& props, const std::string& rows, int n) {
  return "ply\nformat ascii 1.0\nelement vertex " + std::to_string(n) + "\n" + props + "end_header\n" + rows;
}
const std::string kXyz = "property float x\nproperty float y\nproperty float z\n";

std::vector<float> host(const mx::array& a) {
  auto c = mx::contiguous(mx::astype(a, mx::float32), false, mx::Device::cpu);
  mx::eval(c);
  return std::vector<float>(c.data<float>(), c.data<float>() + c.size());
}

PointCloudLoadOptions drop() {
  PointCloudLoadOptions o;
  o.non_finite = NonFinitePolicy::drop;
  return o;
}

TEST(CloudInput, PlyNonFiniteRowsAreRejectedByName) {
  const std::string dir = test::temp_dir();
  struct Row {
    std::string props, rows;
    int n;
    std::string message;
  };
  const Row rows[] = {
      {kXyz, "0 0 1\nnan 0 2\n1 1 2\n", 3, "vertex 1 of 3: property 'x' is nan (1 row holds NaN or infinite values: rejected, or dropped with "
                                        "--non-finite drop)"},
      {kXyz, "0 0 1\n0 inf 2\n1 1 -inf\n", 3, "vertex 1 of 3: property 'y' is inf (2 rows hold"},
      {"property double x\nproperty double y\nproperty double z\n", "0 0 1\n0 0 1e300\n", 2,
       "vertex 1 of 2: property 'z' is inf"},  // beyond float32: an infinity once converted
      {kXyz + "property float nx\nproperty float ny\nproperty float nz\n", "0 0 1 0 0 1\n0 0 1 nan 0 1\n", 2,
       "vertex 1 of 2: property 'nx' is nan"},
      {kXyz + "property float f_dc_0\nproperty float f_dc_1\nproperty float f_dc_2\n", "0 0 1 0 0 0\n0 0 1 0 -nan 0\n", 2,
       "vertex 1 of 2: property 'f_dc_1' is -nan"},
      {kXyz + "property float red\nproperty float green\nproperty float blue\n", "0 0 1 0.5 inf 0\n", 1,
       "vertex 0 of 1: property 'green' is inf"},
  };
  for (const auto& r : rows) {
    const std::string path = test::write_file(dir + "/c.ply", ascii_ply(r.props, r.rows, r.n));
    EXPECT_THROW_MSG(load_point_cloud(path), FormatError, path + ": " + r.message);
  }
}

TEST(CloudInput, PlyDropKeepsFiniteRowsAndCounts) {
  const std::string dir = test::temp_dir();
  const std::string path = test::write_file(
      dir + "/c.ply", ascii_ply(kXyz + "property uchar red\nproperty uchar green\nproperty uchar blue\n",
                                "0 0 1 10 20 30\nnan 0 2 1 1 1\n1 1 2 40 50 60\n5 5 inf 2 2 2\n", 4));
  const PointCloud c = load_point_cloud(path, "", drop());
  EXPECT_EQ(c.dropped_non_finite, 2u);
  ASSERT_EQ(c.size(), 2);
  EXPECT_EQ(host(c.positions), (std::vector<float>{0, 0, 1, 1, 1, 2}));
  EXPECT_EQ(host(*c.colors), (std::vector<float>{10, 20, 30, 40, 50, 60}));  // colours follow their points
  const PointCloudStats s = compute_stats(c);
  for (int k = 0; k < 3; ++k) EXPECT_TRUE(std::isfinite(s.centroid[k]));
  EXPECT_EQ(s.to_json().find("null"), std::string::npos) << s.to_json();
  // Every row bad: nothing to compute on is an error, not a cloud of NaN statistics.
  test::write_file(path, ascii_ply(kXyz, "nan 0 0\n", 1));
  EXPECT_THROW_MSG(load_point_cloud(path, "", drop()), FormatError, "all 1 vertex rows hold NaN or infinite values");
  // Integer coordinates cannot be non-finite: nothing to check, nothing dropped.
  test::write_file(path, ascii_ply("property int x\nproperty int y\nproperty int z\n", "1 2 3\n", 1));
  EXPECT_EQ(load_point_cloud(path).dropped_non_finite, 0u);
}

TEST(CloudInput, NpyNonFiniteAndPointsCap) {
  const std::string dir = test::temp_dir();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> p = {0, 0, 1, 2, nan, 3, 4, 5, 6};
  write_npy(dir + "/p.npy", mx::array(p.data(), {3, 3}, mx::float32));
  EXPECT_THROW_MSG(load_point_cloud(dir + "/p.npy"), FormatError, dir + "/p.npy: row 1 of 3: property 'y' is nan");
  const std::vector<std::uint8_t> rgb = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  write_npy(dir + "/c.npy", mx::array(rgb.data(), {3, 3}, mx::uint8));
  const PointCloud c = load_point_cloud(dir + "/p.npy", dir + "/c.npy", drop());
  EXPECT_EQ(c.dropped_non_finite, 1u);
  EXPECT_EQ(host(c.positions), (std::vector<float>{0, 0, 1, 4, 5, 6}));
  EXPECT_EQ(host(*c.colors), (std::vector<float>{1, 2, 3, 7, 8, 9}));
  const std::vector<double> huge = {0, 0, 1, 1e300, 0, 0};
  write_npy(dir + "/d.npy", mx::array(huge.data(), {2, 3}, mx::float64));
  EXPECT_THROW_MSG(load_point_cloud(dir + "/d.npy"), FormatError, "row 1 of 2: property 'x' is inf");
  set_input_cap(InputCap::points, 2);
  EXPECT_THROW_MSG(load_point_cloud(dir + "/p.npy"), InputLimitError,
                   "p.npy: point array of 3 rows exceeds the points cap of 2 (raise it with --max-points N or "
                   "ROBOMLX_MAX_POINTS=N)");
  set_input_cap(InputCap::points, 0);
}

}  // namespace
}  // namespace robomlx
