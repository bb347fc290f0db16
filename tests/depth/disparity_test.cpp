// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "depth_test_util.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/disparity.h"
#include "robomlx/depth/disparity_twins.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

TEST(Disparity, FactorAndErrors) {
  auto f = test_util::z16_frame({1000, 0}, 1, 2);
  f.intrinsics.fx = 424;
  // D435 848x480 example of the spec: 0.05 m * 424 px * 32 / 0.001 = 678400.
  EXPECT_FLOAT_EQ(disparity_factor(f, "t"), 678400.0f);
  f.baseline_mm = 0;
  EXPECT_THROW_MSG(depth_to_disparity(f), std::invalid_argument, "[depth.depth2disparity] frame has no stereo baseline");
  f.baseline_mm = 50;
  f.intrinsics.fx = NAN;
  EXPECT_THROW_MSG(depth_to_disparity(f), std::invalid_argument, "intrinsics.fx must be finite and > 0, got nan");
  f.intrinsics.fx = 0;
  EXPECT_THROW_MSG(depth_to_disparity(f), std::invalid_argument, "intrinsics.fx must be finite and > 0, got 0");
  EXPECT_THROW_MSG(disparity_to_depth(test_util::z16_frame({1}, 1, 1)), std::invalid_argument,
                   "[depth.disparity2depth] input format must be disparity32, got z16");
  EXPECT_THROW_MSG(make_block("depth2disparity")->set_option("x", 1), std::invalid_argument, "known: (none)");
}

TEST(Disparity, RoundTripMatchesPlainLoop) {
  const auto v = random_depth(9, 13, 5, 0.2, 1, 65535);
  auto f = test_util::z16_frame(v, 9, 13);
  f.intrinsics.fx = 195.21573f;
  f.baseline_mm = 50.17067f;
  const float k = (f.baseline_mm * 0.001f * f.intrinsics.fx * 32) / f.depth_units;
  auto d = depth_to_disparity(f);
  EXPECT_EQ(d.format, FrameFormat::disparity32);
  const auto disp = to_vector<float>(d.data);
  auto z = to_vector<std::uint16_t>(disparity_to_depth(d).data);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float want = v[i] ? k / float(v[i]) : 0.0f;
    ASSERT_EQ(disp[i], want) << i;
    const std::uint16_t back = v[i] ? std::uint16_t(std::int32_t(k / want + 0.5f)) : 0;
    ASSERT_EQ(z[i], back) << i;
  }
}

TEST(Disparity, NonNormalInputsGiveZeroAndLargeValuesWrap) {
  Frame f = test_util::z16_frame({0}, 1, 1);
  f.format = FrameFormat::disparity32;
  f.intrinsics.fx = 400;
  const float k = disparity_factor(f, "t");  // 640000
  std::vector<float> d = {0.0f, FLT_MIN / 2, INFINITY, NAN, -0.0f, k / 70000.0f, k / 1234.0f};
  f.data = mx::array(d.data(), {1, int(d.size())});
  auto z = to_vector<std::uint16_t>(disparity_to_depth(f).data);
  EXPECT_EQ(z[0], 0);
  EXPECT_EQ(z[1], 0);
  EXPECT_EQ(z[2], 0);
  EXPECT_EQ(z[3], 0);
  EXPECT_EQ(z[4], 0);
  EXPECT_EQ(z[5], std::uint16_t(std::int32_t(k / d[5] + 0.5f)));  // 70000 wraps to 4464
  EXPECT_EQ(z[6], 1234);
}

class DisparityTwin : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.d"; }  // depth2disparity and disparity2depth
};

// The twins against the portable path on the twin's stream, bit for bit: odd sizes, holes,
// special floats (subnormal, +-inf, NaN, +-0, negative, tiny values whose k / d overflows or wraps).
TEST_P(DisparityTwin, EqualPortable) {
  const std::pair<int, int> sizes[] = {{9, 13}, {61, 29}, {1, 1}, {3, 33}, {360, 640}, {720, 1280}};
  unsigned seed = 3;
  ImplTrace trace;
  for (auto [h, w] : sizes) {
    auto f = test_util::z16_frame(random_depth(h, w, seed++, 0.3, 1, 65535), h, w);
    f.intrinsics.fx = 637.5713f;
    f.baseline_mm = 49.98271f;
    Frame d = with_portable([&] { return depth_to_disparity(f, stream()); });
    const mx::array got_d = depth_to_disparity(f, stream()).data;
    EXPECT_EQ(to_vector<float>(got_d), to_vector<float>(d.data)) << h << "x" << w;
    // Disparities: the round trip plus random floats of every magnitude and specials.
    auto disp = to_vector<float>(d.data);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
    std::uniform_int_distribution<int> ex(-140, 40);
    const float specials[] = {0.0f, -0.0f, FLT_MIN, FLT_MIN / 2, -FLT_MIN, INFINITY, -INFINITY, NAN, 1e-30f, -5.0f};
    for (std::size_t i = 0; i < disp.size(); i += 3) disp[i] = std::ldexp(mant(rng), ex(rng));
    for (std::size_t i = 0; i < disp.size() && i < 10; ++i) disp[i * 7 % disp.size()] = specials[i];
    d.data = mx::array(disp.data(), {h, w});
    const mx::array want_z = with_portable([&] { return disparity_to_depth(d, stream()).data; });
    const mx::array got_z = disparity_to_depth(d, stream()).data;
    EXPECT_EQ(to_vector<std::uint16_t>(got_z), to_vector<std::uint16_t>(want_z)) << h << "x" << w;
  }
  EXPECT_TRUE(trace.ran(GetParam(), "depth.depth2disparity")) << trace.summary();
  EXPECT_TRUE(trace.ran(GetParam(), "depth.disparity2depth")) << trace.summary();
}

INSTANTIATE_TEST_SUITE_P(Impls, DisparityTwin, kTwins, impl_name);

TEST(Units, MetresFromZ16) {
  auto f = test_util::z16_frame({0, 1, 1500, 65535}, 1, 4);
  auto m = to_vector<float>(units_transform(f).data);
  EXPECT_EQ(m[0], 0.0f);
  EXPECT_EQ(m[2], 1500.0f * 0.001f);
  EXPECT_EQ(m[3], 65535.0f * 0.001f);
  EXPECT_EQ(make_block("units")->process(f).depth_units, 1.0f);
  EXPECT_EQ(units_transform(f).format, FrameFormat::distance32f);
  EXPECT_STREQ(to_string(FrameFormat::distance32f), "distance32f");
}

TEST(Units, MetresAreRejectedByBlocksExpectingZ16OrDisparity) {
  auto f = test_util::z16_frame({0, 1, 1500, 65535}, 1, 4);
  f.baseline_mm = 50;
  f.intrinsics.fx = 424;
  const Frame metres = units_transform(f);
  for (const char* block : {"spatial", "temporal", "hole_filling", "colorizer", "threshold", "decimation",
                            "depth2disparity", "disparity2depth", "units"}) {
    SCOPED_TRACE(block);
    EXPECT_THROW_MSG(make_block(block)->process(metres), std::invalid_argument, "got distance32f");
  }
}

// Every lane width against the generic loop, bit for bit, at every tail length up to 40 and a
// 1283-value row: all depths around 0 and the top, disparities of every magnitude and the specials
// (the twin tests above run only this CPU's widest path).
TEST(DisparityRows, EveryWidthEqualsTheGenericLoop) {
  using detail::CpuIsa;
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> raw(0, 65535);
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> ex(-140, 40);
  const float specials[] = {0.0f, -0.0f, FLT_MIN, FLT_MIN / 2, -FLT_MIN, INFINITY, -INFINITY, NAN, 1e-30f, -5.0f,
                            1e-4f, 2.5e-5f};
  for (float k : {31872.4f, 1.0f, 1e30f}) {
    for (int n = 0; n <= 1283; n = n < 40 ? n + 1 : n + 1283) {
      std::vector<std::uint16_t> z(n);
      std::vector<float> d(n);
      for (int i = 0; i < n; ++i) {
        z[i] = i % 5 == 0 ? 0 : i % 7 == 0 ? 65535 - i % 3 : std::uint16_t(raw(rng));
        d[i] = i % 4 == 0 ? specials[(i / 4) % std::size(specials)] : std::ldexp(mant(rng), ex(rng));
      }
      std::vector<float> want_d(n), got_d(n);
      std::vector<std::uint16_t> want_z(n), got_z(n);
      detail::depth_to_disparity_row(z.data(), want_d.data(), n, k, CpuIsa::generic);
      detail::disparity_to_depth_row(d.data(), want_z.data(), n, k, CpuIsa::generic);
      for (CpuIsa isa : {CpuIsa::sse2, CpuIsa::avx2}) {
        std::fill(got_d.begin(), got_d.end(), 7.0f);
        std::fill(got_z.begin(), got_z.end(), std::uint16_t(7));
        detail::depth_to_disparity_row(z.data(), got_d.data(), n, k, isa);
        detail::disparity_to_depth_row(d.data(), got_z.data(), n, k, isa);
        EXPECT_EQ(0, std::memcmp(got_d.data(), want_d.data(), n * sizeof(float))) << "n " << n << " k " << k << " isa " << int(isa);
        EXPECT_EQ(got_z, want_z) << "n " << n << " k " << k << " isa " << int(isa);
      }
    }
  }
}

}  // namespace
}  // namespace robomlx::depth
