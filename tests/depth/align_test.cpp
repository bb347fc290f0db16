// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cmath>
#include <random>

#include "depth_test_util.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/align.h"
#include "robomlx/depth/align_twins.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

struct Scene {
  int h = 30, w = 40;
  std::vector<std::uint16_t> z;
  Frame depth, color;
  Extrinsics e;
};

Scene scene() {
  Scene s;
  s.z = random_depth(s.h, s.w, 21, 0.15, 400, 4000);
  s.depth = test_util::z16_frame(s.z, s.h, s.w);
  s.depth.intrinsics.fx = s.depth.intrinsics.fy = 30;
  Intrinsics ci;
  ci.width = 56, ci.height = 44, ci.fx = 47, ci.fy = 46, ci.ppx = 27.7f, ci.ppy = 21.4f;
  std::vector<std::uint8_t> rgb(ci.width * ci.height * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = std::uint8_t(i * 7 % 251);
  s.color.data = mx::array(rgb.data(), {ci.height, ci.width, 3}, mx::uint8);
  s.color.format = FrameFormat::rgb8;
  s.color.intrinsics = ci;
  s.e.translation = {0.015f, 0.0005f, 0.0006f};
  s.e.rotation = {0.9999f, 0.0103f, -0.0129f, -0.0103f, 0.99995f, 0, 0.0129f, 0.0002f, 0.9999f};
  return s;
}

// Target pixel of a depth pixel corner with librealsense's scalar math (distortion none).
void corner(const Scene& s, int x, int y, float off, int& ox, int& oy) {
  const auto& d = s.depth.intrinsics;
  const auto& c = s.color.intrinsics;
  const float z = s.z[y * s.w + x] * 0.001f;
  const float rx = ((float(x) + off) - d.ppx) / d.fx, ry = ((float(y) + off) - d.ppy) / d.fy;
  const float px = z * rx, py = z * ry;
  const auto& r = s.e.rotation;
  const auto& t = s.e.translation;
  const float X = r[0] * px + (r[3] * py + (r[6] * z + t[0]));
  const float Y = r[1] * px + (r[4] * py + (r[7] * z + t[1]));
  const float Z = r[2] * px + (r[5] * py + (r[8] * z + t[2]));
  ox = int(X / Z * c.fx + c.ppx + 0.5f);
  oy = int(Y / Z * c.fy + c.ppy + 0.5f);
}

// Align has a CPU twin only; the portable path is what GPUs run.
class AlignImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.align"; }
};

TEST_P(AlignImpl, ScalarDepthToColorMatchesPlainLoop) {
  Scene s = scene();
  const int ho = s.color.intrinsics.height, wo = s.color.intrinsics.width;
  std::vector<std::uint16_t> want(ho * wo, 0);
  for (int y = 0; y < s.h; ++y) {
    for (int x = 0; x < s.w; ++x) {
      const auto z = s.z[y * s.w + x];
      if (!z) continue;
      int x0, y0, x1, y1;
      corner(s, x, y, -0.5f, x0, y0);
      corner(s, x, y, 0.5f, x1, y1);
      if (x0 < 0 || y0 < 0 || x1 >= wo || y1 >= ho) continue;
      for (int v = y0; v <= y1; ++v) {
        for (int u = x0; u <= x1; ++u) {
          auto& o = want[v * wo + u];
          o = o ? std::min(o, z) : z;
        }
      }
    }
  }
  auto got = Align(AlignTo::color, AlignMode::scalar).process(s.depth, s.color, s.e, stream());
  EXPECT_EQ(got.data.shape(), (mx::Shape{ho, wo}));
  EXPECT_EQ(got.intrinsics.fx, s.color.intrinsics.fx);
  const auto g = to_vector<std::uint16_t>(got.data);
  EXPECT_GT(std::count_if(want.begin(), want.end(), [](auto v) { return v != 0; }), ho * wo / 2);
  EXPECT_EQ(g, want);
}

TEST_P(AlignImpl, ScalarColorToDepthMatchesPlainLoop) {
  Scene s = scene();
  const int ho = s.color.intrinsics.height, wo = s.color.intrinsics.width;
  const auto rgb = to_vector<std::uint8_t>(s.color.data);
  std::vector<std::uint8_t> want(s.h * s.w * 3, 0);
  for (int y = 0; y < s.h; ++y) {
    for (int x = 0; x < s.w; ++x) {
      if (!s.z[y * s.w + x]) continue;
      int x0, y0, x1, y1;
      corner(s, x, y, -0.5f, x0, y0);
      corner(s, x, y, 0.5f, x1, y1);
      if (x0 < 0 || y0 < 0 || x1 >= wo || y1 >= ho || x1 < x0 || y1 < y0) continue;
      for (int c = 0; c < 3; ++c) want[(y * s.w + x) * 3 + c] = rgb[(y1 * wo + x1) * 3 + c];
    }
  }
  auto got = Align(AlignTo::depth, AlignMode::scalar).process(s.depth, s.color, s.e, stream());
  EXPECT_EQ(got.data.shape(), (mx::Shape{s.h, s.w, 3}));
  EXPECT_EQ(to_vector<std::uint8_t>(got.data), want);
}

INSTANTIATE_TEST_SUITE_P(Impls, AlignImpl, ::testing::Values(Impl::portable, Impl::cpu), impl_name);

class AlignTwin : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.align"; }
};

TEST_P(AlignTwin, MatchesPortable) {
  for (bool small_color : {false, true}) {  // a colour image smaller than depth switches SSE rules
    Scene s = scene();
    if (small_color) {
      s.color.intrinsics.width = 24, s.color.intrinsics.height = 20, s.color.intrinsics.fx = 20, s.color.intrinsics.fy = 20;
      s.color.intrinsics.ppx = 12, s.color.intrinsics.ppy = 10;
      s.color.data = mx::slice(s.color.data, {0, 0, 0}, {20, 24, 3});
    }
    for (AlignTo to : {AlignTo::color, AlignTo::depth}) {
      for (AlignMode mode : {AlignMode::sse, AlignMode::scalar}) {
        Align align(to, mode);
        const mx::array portable = with_portable([&] { return align.process(s.depth, s.color, s.e, stream()).data; });
        const mx::array twin = align.process(s.depth, s.color, s.e, stream()).data;
        const auto a = to_vector<std::uint8_t>(mx::view(mx::contiguous(twin), mx::uint8));
        const auto b = to_vector<std::uint8_t>(mx::view(mx::contiguous(portable), mx::uint8));
        EXPECT_GT(std::count_if(a.begin(), a.end(), [](auto v) { return v != 0; }), 100);
        EXPECT_EQ(a, b) << "to " << (to == AlignTo::color ? "color" : "depth") << " mode "
                        << (mode == AlignMode::sse ? "sse" : "scalar") << " small " << small_color;
      }
    }
  }
}

TEST_P(AlignTwin, MatchesPortableOddSizesAndParts) {
  // 397 x 341 depth (135k pixels: two parts with their own z-buffers where the host has two
  // threads) and odd target widths: the 8- and 4-lane projections' tails, and collisions across
  // the part boundary. Adjacent boxes share their edge pixels (the same corner rounds alike), and
  // random depths make those collisions pick a nearest value. Colour focal / depth focal: 1.5
  // (boxes of 2-3 pixels: the 4 x 4 lanes), 0.53 (colour smaller than depth: other SSE rules) and
  // 3.5 (boxes of 4-5 pixels: the plain loops).
  struct Target {
    int w, h;
    float fx;
  };
  for (const Target& t : {Target{601, 517, 451}, Target{211, 173, 160}, Target{1201, 1031, 1050}}) {
    Scene s;
    s.h = 341, s.w = 397;
    s.z = random_depth(s.h, s.w, 5, 0.15, 400, 4000);
    s.depth = test_util::z16_frame(s.z, s.h, s.w);
    s.depth.intrinsics.fx = 300, s.depth.intrinsics.fy = 301;
    Intrinsics ci;
    ci.width = t.w, ci.height = t.h, ci.fx = t.fx, ci.fy = t.fx + 1;
    ci.ppx = ci.width / 2.0f - 0.3f, ci.ppy = ci.height / 2.0f + 0.2f;
    std::vector<std::uint8_t> rgb(std::size_t(ci.width) * ci.height * 3);
    for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = std::uint8_t(i * 7 % 251);
    s.color.data = mx::array(rgb.data(), {ci.height, ci.width, 3}, mx::uint8);
    s.color.format = FrameFormat::rgb8;
    s.color.intrinsics = ci;
    s.e = scene().e;
    for (AlignTo to : {AlignTo::color, AlignTo::depth}) {
      for (AlignMode mode : {AlignMode::sse, AlignMode::scalar}) {
        Align align(to, mode);
        const mx::array portable = with_portable([&] { return align.process(s.depth, s.color, s.e, stream()).data; });
        const mx::array twin = align.process(s.depth, s.color, s.e, stream()).data;
        const auto a = to_vector<std::uint8_t>(mx::view(mx::contiguous(twin), mx::uint8));
        const auto b = to_vector<std::uint8_t>(mx::view(mx::contiguous(portable), mx::uint8));
        EXPECT_GT(std::count_if(a.begin(), a.end(), [](auto v) { return v != 0; }), int(a.size() / 4));
        EXPECT_EQ(a, b) << "to " << (to == AlignTo::color ? "color" : "depth") << " mode "
                        << (mode == AlignMode::sse ? "sse" : "scalar") << " colour " << t.w << "x" << t.h;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, AlignTwin, ::testing::Values(Impl::cpu), impl_name);

TEST(AlignProjectRow, LanesMatchScalarLoop) {
  // Every row width up to 40 (all tail lengths of 4 and 8 lanes) and a long row, both roundings.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> ray(-0.9f, 0.9f);
  detail::AlignProjection q;
  const Extrinsics e = scene().e;
  std::copy(e.rotation.begin(), e.rotation.end(), q.r);
  std::copy(e.translation.begin(), e.translation.end(), q.t);
  q.fx = 613.7f, q.fy = 612.9f, q.ppx = 318.4f, q.ppy = 241.1f;
  std::vector<int> widths;
  for (int n = 1; n <= 40; ++n) widths.push_back(n);
  widths.push_back(1283);
  for (bool round : {true, false}) {
    q.round = round;
    for (int n : widths) {
      const auto raw = random_depth(1, n, unsigned(n), 0.1, 1, 65535);
      std::vector<float> rx(n), ry(n);
      for (int i = 0; i < n; ++i) rx[i] = ray(rng), ry[i] = ray(rng);
      std::vector<int> want_x(n), want_y(n);
      detail::align_project_row(raw.data(), rx.data(), ry.data(), n, q, want_x.data(), want_y.data(),
                                detail::CpuIsa::generic);
      for (auto isa : {detail::CpuIsa::sse2, detail::CpuIsa::avx2}) {
        std::vector<int> x(n, -7), y(n, -7);
        detail::align_project_row(raw.data(), rx.data(), ry.data(), n, q, x.data(), y.data(), isa);
        for (int i = 0; i < n; ++i) {
          if (!raw[i]) continue;  // unspecified
          ASSERT_EQ(x[i], want_x[i]) << "n " << n << " i " << i << " isa " << int(isa) << " round " << round;
          ASSERT_EQ(y[i], want_y[i]) << "n " << n << " i " << i << " isa " << int(isa) << " round " << round;
        }
      }
    }
  }
}

TEST(AlignProjectRow, RoundsHalfToEvenOrTruncates) {
  // Identity pose, units 1, focal 1: u = ray + 0.5 exactly, so the ties show the rounding.
  detail::AlignProjection q;
  q.r[0] = q.r[4] = q.r[8] = 1, q.units = 1, q.fx = q.fy = 1;
  const int n = 11;  // past one 8-lane step
  const std::vector<std::uint16_t> raw(n, 1);
  const std::vector<float> rx = {0, 1, 2, -1, 3, 4, -2, 0.25f, 5, 6, -3};
  const std::vector<int> even = {0, 2, 2, 0, 4, 4, -2, 1, 6, 6, -2};
  const std::vector<int> trunc = {0, 1, 2, 0, 3, 4, -1, 0, 5, 6, -2};
  for (auto isa : {detail::CpuIsa::generic, detail::CpuIsa::sse2, detail::CpuIsa::avx2}) {
    for (bool round : {true, false}) {
      q.round = round;
      std::vector<int> x(n), y(n);
      detail::align_project_row(raw.data(), rx.data(), rx.data(), n, q, x.data(), y.data(), isa);
      EXPECT_EQ(x, round ? even : trunc) << "isa " << int(isa);
      EXPECT_EQ(y, x);
    }
  }
}

TEST(Align, SseModifiedBrownConradyMatchesPlainLoop) {
  // The SIMD distortion (with its y term reusing the x tangential term) and half-even rounding.
  ScopedImpl force(Impl::portable);  // the CPU twin leaves this model to the portable path
  Scene s = scene();
  auto& ci = s.color.intrinsics;
  ci.model = Distortion::modified_brown_conrady;
  ci.coeffs = {0.08f, -0.03f, 0.002f, -0.001f, 0.004f};
  const int ho = ci.height, wo = ci.width;
  const auto& d = s.depth.intrinsics;
  auto project = [&](int x, int y, float off, int& ox, int& oy) {
    const float z = s.z[y * s.w + x] * 0.001f;
    const float rx = ((float(x) + off) - d.ppx) / d.fx, ry = ((float(y) + off) - d.ppy) / d.fy;
    const float px = z * rx, py = z * ry;
    const auto& r = s.e.rotation;
    const auto& t = s.e.translation;
    const float X = r[0] * px + (r[3] * py + (r[6] * z + t[0]));
    const float Y = r[1] * px + (r[4] * py + (r[7] * z + t[1]));
    const float Z = r[2] * px + (r[5] * py + (r[8] * z + t[2]));
    const float u = X / Z, v = Y / Z;
    const auto& c = ci.coeffs;
    const float r2 = u * u + v * v;
    const float f = 1 + (c[0] * r2 + (c[1] * (r2 * r2) + c[4] * (r2 * (r2 * r2))));
    const float uf = u * f, vf = v * f;
    const float r4 = c[3] * (r2 + 2 * (uf * uf));
    const float du = uf + (2 * (c[2] * (uf * vf)) + r4), dv = vf + (2 * (c[3] * (uf * vf)) + r4);
    ox = int(std::nearbyint(du * ci.fx + ci.ppx + 0.5f));
    oy = int(std::nearbyint(dv * ci.fy + ci.ppy + 0.5f));
  };
  std::vector<std::uint16_t> want(ho * wo, 0);
  for (int y = 0; y < s.h; ++y) {
    for (int x = 0; x < s.w; ++x) {
      const auto z = s.z[y * s.w + x];
      if (!z) continue;
      int x0, y0, x1, y1;
      project(x, y, -0.5f, x0, y0);
      project(x, y, 0.5f, x1, y1);  // this geometry has depth coarser than colour: boxes
      for (int v = std::max(y0, 0); v <= std::min(y1, ho - 1); ++v) {
        for (int u = std::max(x0, 0); u <= std::min(x1, wo - 1); ++u) {
          auto& o = want[v * wo + u];
          o = o ? std::min(o, z) : z;
        }
      }
    }
  }
  const auto got = to_vector<std::uint16_t>(Align(AlignTo::color).process(s.depth, s.color, s.e).data);
  EXPECT_EQ(got, want);  // same float32 operations in the same order: exact
  EXPECT_GT(std::count_if(got.begin(), got.end(), [](auto v) { return v != 0; }), ho * wo / 2);
}

TEST(Align, Errors) {
  Scene s = scene();
  s.color.intrinsics.fy = NAN;
  EXPECT_THROW_MSG(Align(AlignTo::color).process(s.depth, s.color, s.e), std::invalid_argument,
                   "[depth.align] intrinsics.fy must be finite and > 0, got nan");
  s = scene();
  EXPECT_THROW_MSG(Align(AlignTo::color).process(s.color, s.color, s.e), std::invalid_argument,
                   "[depth.align] depth format must be z16, got rgb8");
  s.color.data = mx::zeros({3, 3, 3}, mx::uint8);
  EXPECT_THROW_MSG(Align(AlignTo::depth).process(s.depth, s.color, s.e), std::invalid_argument,
                   "other image must be uint8 [44, 56(, C)]");
}

}  // namespace
}  // namespace robomlx::depth
