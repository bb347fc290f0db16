// SPDX-License-Identifier: Apache-2.0
#include "depth_test_util.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/threshold.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

TEST(Threshold, OptionsAndCoupling) {
  auto b = make_block("threshold");
  EXPECT_FLOAT_EQ(b->get_option("min_distance"), 0.1f);
  EXPECT_FLOAT_EQ(b->get_option("max_distance"), 4.0f);
  EXPECT_THROW_MSG(b->set_option("max_distance", 17), std::invalid_argument,
                   "[depth.threshold] max_distance must be in [0, 16], got 17");
  EXPECT_FLOAT_EQ(b->get_option("min_distance"), 0.1f);  // a rejected value changes nothing
  b->set_option("min_distance", 5);  // above max: max jumps to its range end first
  EXPECT_FLOAT_EQ(b->get_option("max_distance"), 16);
  EXPECT_FLOAT_EQ(b->get_option("min_distance"), 5);
  b->set_option("max_distance", 2);  // below min: min drops to 0 first
  EXPECT_FLOAT_EQ(b->get_option("min_distance"), 0);
  EXPECT_FLOAT_EQ(b->get_option("max_distance"), 2);
}

TEST(Threshold, InclusiveEndsInFloat32) {
  // 500 * 0.001f and 2500 * 0.001f compare equal to 0.5f / 2.5f in float32 (kept); neighbours drop.
  std::vector<std::uint16_t> v = {0, 499, 500, 501, 2499, 2500, 2501, 65535};
  auto out = threshold(test_util::z16_frame(v, 1, 8), {0.5f, 2.5f});
  std::vector<std::uint16_t> want(8);
  for (int i = 0; i < 8; ++i) {
    const float d = 0.001f * float(v[i]);
    want[i] = (d >= 0.5f && d <= 2.5f) ? v[i] : 0;
  }
  EXPECT_EQ(to_vector<std::uint16_t>(out.data), want);
  EXPECT_EQ(to_vector<std::uint16_t>(out.data)[3], 501);
  EXPECT_EQ(to_vector<std::uint16_t>(out.data)[1], 0);
}

TEST(Threshold, MatchesPlainLoop) {
  const auto v = random_depth(31, 17, 3, 0.1, 1, 6000);
  auto out = threshold(test_util::z16_frame(v, 31, 17), {0.3f, 4.2f});
  auto got = to_vector<std::uint16_t>(out.data);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float d = 0.001f * float(v[i]);
    ASSERT_EQ(got[i], (d >= 0.3f && d <= 4.2f) ? v[i] : 0) << i;
  }
}

TEST(Threshold, EveryRawValueAgainstTheFloatRule) {
  // All 65536 raw values under several units and ranges (the block keeps an integer interval found
  // on the host; the float32 rule decides each value here). Exact.
  std::vector<std::uint16_t> v(65536);
  for (int i = 0; i < 65536; ++i) v[i] = static_cast<std::uint16_t>(i);
  const float cases[][3] = {{0.001f, 0.1f, 4.0f},  {0.001f, 0.5f, 2.5f},   {0.0001f, 0.f, 16.f}, {0.00025f, 1.f, 1.f},
                            {0.001f, 3.f, 2.f},    {0.0f, 0.f, 0.f},       {0.0f, 0.1f, 4.f},    {0.01f, 0.f, 16.f},
                            {1e-4f, 0.3333f, 6.5432f}, {0.001f, 16.f, 16.f}};
  for (const auto& c : cases) {
    auto f = test_util::z16_frame(v, 256, 256);
    f.depth_units = c[0];
    const auto got = to_vector<std::uint16_t>(threshold(f, {c[1], c[2]}).data);
    for (int i = 0; i < 65536; ++i) {
      volatile float d = float(i) * c[0];
      ASSERT_EQ(got[i], (d >= c[1] && d <= c[2]) ? i : 0) << "z " << i << " units " << c[0] << " [" << c[1] << ", " << c[2] << "]";
    }
  }
}

}  // namespace
}  // namespace robomlx::depth
