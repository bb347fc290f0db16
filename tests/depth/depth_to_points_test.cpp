// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "depth_test_util.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/depth_to_points.h"
#include "robomlx/depth/depth_to_points_twins.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

// Plain port of rs2_deproject_pixel_to_point (src/rs.cpp), for the reference.
void deproject(const Intrinsics& in, float u, float v, float& x, float& y) {
  const auto& k = in.coeffs;
  x = (u - in.ppx) / in.fx;
  y = (v - in.ppy) / in.fy;
  const float xo = x, yo = y;
  bool zero = true;
  for (float c : k) zero = zero && std::fabs(c) < FLT_EPSILON;
  const bool inv = in.model == Distortion::inverse_brown_conrady;
  if (!zero && (inv || in.model == Distortion::brown_conrady)) {
    for (int i = 0; i < 10; ++i) {
      const float r2 = x * x + y * y;
      const float icd = 1.0f / (1 + ((k[4] * r2 + k[1]) * r2 + k[0]) * r2);
      const float xq = inv ? x / icd : x, yq = inv ? y / icd : y;
      const float dx = 2 * k[2] * xq * yq + k[3] * (r2 + 2 * xq * xq);
      const float dy = 2 * k[3] * xq * yq + k[2] * (r2 + 2 * yq * yq);
      x = (xo - dx) * icd;
      y = (yo - dy) * icd;
    }
  }
  if (in.model == Distortion::kannala_brandt4) {
    float rd = std::max(std::sqrt(x * x + y * y), FLT_EPSILON);
    float theta = rd, theta2 = rd * rd;
    for (int i = 0; i < 4; ++i) {
      const float f = theta * (1 + theta2 * (k[0] + theta2 * (k[1] + theta2 * (k[2] + theta2 * k[3])))) - rd;
      if (std::fabs(f) < FLT_EPSILON) break;
      const float df = 1 + theta2 * (3 * k[0] + theta2 * (5 * k[1] + theta2 * (7 * k[2] + 9 * theta2 * k[3])));
      theta -= f / df;
      theta2 = theta * theta;
    }
    const float r = std::tan(theta);
    x *= r / rd;
    y *= r / rd;
  }
  if (in.model == Distortion::ftheta) {
    const float rd = std::max(std::sqrt(x * x + y * y), FLT_EPSILON);
    const float r = std::tan(k[0] * rd) / std::atan(2 * std::tan(k[0] / 2.0f));
    x *= r / rd;
    y *= r / rd;
  }
}

Intrinsics model(Distortion d, std::array<float, 5> k) {
  Intrinsics in;
  in.width = 64, in.height = 48, in.fx = 50, in.fy = 52, in.ppx = 31.5f, in.ppy = 24.2f;
  in.model = d;
  in.coeffs = k;
  return in;
}

TEST(Pointcloud, DeprojectionModelsMatchPlainLoop) {
  const std::vector<Intrinsics> models = {
      model(Distortion::none, {}), model(Distortion::brown_conrady, {0.1f, -0.05f, 0.001f, -0.002f, 0.01f}),
      model(Distortion::inverse_brown_conrady, {-0.05f, 0.02f, 0.0015f, 0.001f, 0}),
      model(Distortion::kannala_brandt4, {-0.01f, 0.02f, -0.005f, 0.001f, 0}), model(Distortion::ftheta, {0.9f, 0, 0, 0, 0})};
  for (const auto& in : models) {
    SCOPED_TRACE(to_string(in.model));
    auto rays = to_vector<float>(deproject_rays(in, in.height, in.width));
    double worst = 0;
    for (int v = 0; v < in.height; ++v) {
      for (int u = 0; u < in.width; ++u) {
        float x, y;
        deproject(in, float(u), float(v), x, y);
        const std::size_t i = (std::size_t(v) * in.width + u) * 2;
        worst = std::max({worst, std::fabs(double(rays[i]) - x), std::fabs(double(rays[i + 1]) - y)});
      }
    }
    // Same float32 operations; tan/atan of two libm implementations may differ by an ulp or two.
    EXPECT_LE(worst, 2e-6);
  }
}

TEST(Pointcloud, KannalaBrandtProjectionInvertsDeprojection) {
  const auto in = model(Distortion::kannala_brandt4, {-0.01f, 0.02f, -0.005f, 0.001f, 0});
  const auto rays = deproject_rays(in, in.height, in.width);
  const auto pts = mx::concatenate({rays, mx::ones({in.height, in.width, 1})}, -1);
  const auto px = to_vector<float>(project_points(pts, in));
  for (int v = 0; v < in.height; v += 7) {
    for (int u = 0; u < in.width; u += 5) {
      const std::size_t i = (std::size_t(v) * in.width + u) * 2;
      EXPECT_NEAR(px[i], u, 1e-3);
      EXPECT_NEAR(px[i + 1], v, 1e-3);
    }
  }
}

class PointcloudImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.pointcloud"; }
};

TEST_P(PointcloudImpl, VerticesTexcoordsAndOcclusionMatchPlainLoop) {
  // A far wall (3 m) with a near box (0.6 m) in the middle: the texture camera 5 cm to the side
  // sees the wall behind the box's edge through the occlusion test.
  const int h = 24, w = 40;
  std::vector<std::uint16_t> z(h * w, 3000);
  for (int y = 6; y < 18; ++y) {
    for (int x = 14; x < 26; ++x) z[y * w + x] = 600;
  }
  z[3] = 0;
  auto f = test_util::z16_frame(z, h, w);
  Intrinsics tex = f.intrinsics;
  tex.width = 50, tex.height = 30, tex.fx = 420, tex.ppx = 25;
  Extrinsics e;
  e.translation = {-0.05f, 0.001f, 0.002f};
  Pointcloud pc;
  EXPECT_THROW_MSG(pc.set_option("filter_magnitude", 0), std::invalid_argument,
                   "[depth.pointcloud] filter_magnitude must be in [1, 2], got 0");
  pc.map_to(tex, e);
  auto on = pc.calculate(f, stream());
  pc.set_option("filter_magnitude", 1);
  auto off = pc.calculate(f, stream());
  const auto v_on = to_vector<float>(on.vertices), v_off = to_vector<float>(off.vertices);
  const auto uv = to_vector<float>(off.texcoords);
  EXPECT_EQ(to_vector<float>(on.texcoords), uv);
  // Reference: texture pixel x per vertex, then librealsense's monotonic scan.
  std::vector<bool> drop(h * w, false);
  int dropped = 0;
  for (int y = 0; y < h; ++y) {
    float max_x = -1, max_z = 0;
    int dilation = 0;
    for (int x = 0; x < w; ++x) {
      const int i = y * w + x;
      const float zz = z[i] * 0.001f;
      float rx, ry;
      deproject(f.intrinsics, float(x), float(y), rx, ry);
      ASSERT_EQ(v_off[3 * i + 2], zz);
      ASSERT_NEAR(v_off[3 * i], rx * zz, 1e-6);
      if (!z[i]) {
        ASSERT_EQ(uv[2 * i], 0.0f);
        continue;
      }
      const float px = uv[2 * i] * float(tex.width);  // the kernel's own pixel x (tested for order below)
      if (px < max_x || (px == max_x && zz - max_z > 0.1f)) {
        drop[i] = true;
        dilation = 1;
      } else {
        max_x = px, max_z = zz;
        if (dilation > 0) {
          drop[i] = true;
          --dilation;
        }
      }
      dropped += drop[i];
    }
  }
  EXPECT_GT(dropped, 10);
  for (int i = 0; i < h * w; ++i) {
    SCOPED_TRACE(i);
    if (drop[i]) {
      ASSERT_EQ(v_on[3 * i + 2], 0.0f);
    } else {
      ASSERT_EQ(v_on[3 * i + 2], v_off[3 * i + 2]);
    }
  }
  // u = (X'/Z' * fx + ppx) / width with X' = R p + t.
  const int i = 10 * w + 5;
  const float X = v_off[3 * i] + e.translation[0], Z = v_off[3 * i + 2] + e.translation[2];
  EXPECT_NEAR(uv[2 * i], (X / Z * tex.fx + tex.ppx) / tex.width, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Impls, PointcloudImpl, kEveryImpl, impl_name);

class PointcloudTwin : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.pointcloud"; }
};

TEST_P(PointcloudTwin, MatchesPortable) {
  const int h = 36, w = 53;  // not a multiple of 4: the CPU twin's vector loop and its tail
  auto f = test_util::z16_frame(random_depth(h, w, 17, 0.1, 300, 4000), h, w);
  Intrinsics tex = f.intrinsics;
  tex.width = 64, tex.height = 48, tex.fx = 520, tex.fy = 515, tex.ppx = 31, tex.ppy = 25;
  tex.model = Distortion::brown_conrady;  // zero coefficients: the twin's pinhole case
  Extrinsics e;
  e.translation = {0.015f, 0.0006f, 0.0006f};
  e.rotation = {0.9999f, 0.0103f, -0.0129f, -0.0103f, 0.99995f, 0, 0.0129f, 0.0002f, 0.9999f};
  for (int mode : {0, 1, 2}) {  // no texture, texture without and with occlusion removal
    Pointcloud pc;
    if (mode > 0) pc.map_to(tex, e);
    pc.set_option("filter_magnitude", mode == 2 ? 2 : 1);
    const PointcloudResult a = with_portable([&] { return pc.calculate(f, stream()); });
    const PointcloudResult b = pc.calculate(f, stream());
    EXPECT_EQ(to_vector<float>(b.vertices), to_vector<float>(a.vertices)) << "mode " << mode;
    EXPECT_EQ(to_vector<float>(b.texcoords), to_vector<float>(a.texcoords)) << "mode " << mode;
  }
}

// Every lane width of the twin's untextured loop against the generic loop, bit for bit (-0 included):
// every length up to 40 and a 1283-pixel row, holes, the largest raw values, rays of both signs.
TEST(PointcloudRows, EveryWidthEqualsTheGenericLoop) {
  using detail::CpuIsa;
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> raw(0, 65535);
  std::uniform_real_distribution<float> ray(-1.5f, 1.5f);
  for (int n = 0; n <= 1283; n = n < 40 ? n + 1 : n + 1283) {
    std::vector<std::uint16_t> z(n);
    std::vector<float> rx(n), ry(n);
    for (int i = 0; i < n; ++i) {
      z[i] = i % 5 == 0 ? 0 : i % 7 == 0 ? 65535 : std::uint16_t(raw(rng));
      rx[i] = ray(rng), ry[i] = ray(rng);
    }
    std::vector<float> want(3 * n), got(3 * n);
    detail::depth_to_points_row(z.data(), rx.data(), ry.data(), n, 0.001f, want.data(), CpuIsa::generic);
    for (CpuIsa isa : {CpuIsa::sse2, CpuIsa::avx2}) {
      std::fill(got.begin(), got.end(), 7.0f);
      detail::depth_to_points_row(z.data(), rx.data(), ry.data(), n, 0.001f, got.data(), isa);
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float))) << "n " << n << " isa " << int(isa);
    }
    // One ray y for the run (a row of separable rays) against the same with the plane's values.
    const float y0 = n ? ry[0] : -0.25f;
    std::fill(ry.begin(), ry.end(), y0);
    detail::depth_to_points_row(z.data(), rx.data(), ry.data(), n, 0.001f, want.data(), CpuIsa::generic);
    for (CpuIsa isa : {CpuIsa::generic, CpuIsa::sse2, CpuIsa::avx2}) {
      std::fill(got.begin(), got.end(), 7.0f);
      detail::depth_to_points_row_axes(z.data(), rx.data(), y0, n, 0.001f, got.data(), isa);
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float))) << "axes n " << n << " isa " << int(isa);
    }
  }
}

// The CPU twin's separable rays (no distortion: a row and a column instead of the planes) and the
// planes (distortion) against the portable path, bit for bit, on one frame each.
TEST(PointcloudRows, SeparableAndFullRaysMatchPortable) {
  const int h = 29, w = 61;
  auto f = test_util::z16_frame(random_depth(h, w, 5, 0.1, 300, 4000), h, w);
  for (bool distorted : {false, true}) {
    if (distorted) {
      f.intrinsics.model = Distortion::brown_conrady;
      f.intrinsics.coeffs = {0.1f, -0.05f, 0.001f, 0.002f, 0.01f};
    }
    Pointcloud pc;
    ScopedImpl cpu(Impl::cpu);
    const PointcloudResult b = pc.calculate(f, mx::Device::cpu);
    const PointcloudResult b2 = pc.calculate(f, mx::Device::cpu);  // the cached axes
    ScopedImpl portable(Impl::portable);
    const PointcloudResult a = pc.calculate(f, mx::Device::cpu);
    EXPECT_EQ(to_vector<float>(b.vertices), to_vector<float>(a.vertices)) << "distorted " << distorted;
    EXPECT_EQ(to_vector<float>(b2.vertices), to_vector<float>(a.vertices)) << "distorted " << distorted;
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, PointcloudTwin, kTwins, impl_name);

TEST(Pointcloud, Errors) {
  Pointcloud pc;
  auto f = test_util::z16_frame({1, 2}, 1, 2);
  f.intrinsics.fx = 0;
  EXPECT_THROW_MSG(pc.calculate(f), std::invalid_argument, "[depth.pointcloud] intrinsics.fx must be finite and > 0, got 0");
  Intrinsics bad;
  EXPECT_THROW_MSG(pc.map_to(bad, {}), std::invalid_argument, "intrinsics.fx");
}

}  // namespace
}  // namespace robomlx::depth
