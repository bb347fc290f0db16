// SPDX-License-Identifier: Apache-2.0
#include "depth_test_util.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/colorizer.h"
#include "robomlx/depth/disparity.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

TEST(Colorizer, OptionsCouplingAndPresets) {
  auto c = make_block("colorizer");
  EXPECT_EQ(c->get_option("histogram_equalization_enabled"), 1);
  EXPECT_THROW_MSG(c->set_option("color_scheme", 10), std::invalid_argument,
                   "[depth.colorizer] color_scheme must be in [0, 9], got 10");
  EXPECT_THROW_MSG(c->set_option("visual_preset", 4), std::invalid_argument, "visual_preset must be in [0, 3], got 4");
  c->set_option("max_distance", 3);  // setting a distance turns equalization off
  EXPECT_EQ(c->get_option("histogram_equalization_enabled"), 0);
  c->set_option("min_distance", 5);  // above max: max jumps to 16
  EXPECT_EQ(c->get_option("max_distance"), 16);
  c->set_option("visual_preset", 2);  // Near: Classic, 0.3..1.5 m, no equalization
  EXPECT_EQ(c->get_option("color_scheme"), 1);
  EXPECT_FLOAT_EQ(c->get_option("min_distance"), 0.3f);
  EXPECT_FLOAT_EQ(c->get_option("max_distance"), 1.5f);
  c->set_option("visual_preset", 0);  // Dynamic: equalization back on, Jet
  EXPECT_EQ(c->get_option("histogram_equalization_enabled"), 1);
  EXPECT_EQ(c->get_option("color_scheme"), 0);
}

TEST(Colorizer, TablesEndpoints) {
  auto jet = to_vector<std::uint8_t>(colormap_table(0));
  ASSERT_EQ(jet.size(), 4001u * 3);
  EXPECT_EQ(jet[0], 0);
  EXPECT_EQ(jet[2], 255);              // blue at 0
  EXPECT_EQ(jet[4000 * 3], 50);
  EXPECT_EQ(jet[4000 * 3 + 1], 0);  // dark red at 1
  EXPECT_EQ(jet[1000 * 3 + 1], 255);                          // key 0.25 = cyan exactly
  EXPECT_EQ(to_vector<std::uint8_t>(colormap_table(7)).size(), 7u * 3);  // Quantized: 6 steps
}

class ColorizerImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.colorizer"; }
};

TEST_P(ColorizerImpl, FixedRangeMatchesHandFormula) {
  // White-to-black over 0..4 m: 1 m -> f = 0.25 -> index 1000 -> 255 * 0.75 = 191.25 -> 191.
  std::vector<std::uint16_t> v = {0, 1000, 4000, 6000};
  auto out = to_vector<std::uint8_t>(colorize(test_util::z16_frame(v, 1, 4), {2, false, 0, 4}, stream()).data);
  EXPECT_EQ(out[0], 0);  // invalid -> black
  EXPECT_EQ(out[3], 191);
  EXPECT_EQ(out[6], 0);   // f = 1 -> black
  EXPECT_EQ(out[9], 0);   // clamped
}

TEST_P(ColorizerImpl, EqualizationMatchesPlainLoop) {
  const int h = 20, w = 30;
  const auto v = random_depth(h, w, 9, 0.3, 1, 300);  // many repeated values
  auto out = to_vector<std::uint8_t>(colorize(test_util::z16_frame(v, h, w), {3, true, 0, 6}, stream()).data);
  std::vector<int> hist(65536, 0);
  for (auto x : v) hist[x]++;
  for (int i = 2; i < 65536; ++i) hist[i] += hist[i - 1];
  auto table = to_vector<std::uint8_t>(colormap_table(3));
  for (int i = 0; i < h * w; ++i) {
    int want = 0;
    if (v[i]) {
      const float f = float(hist[v[i]]) / float(hist[65535]);
      want = table[int(std::min(1.0f, f) * 4000.0f) * 3];
    }
    ASSERT_EQ(out[3 * i], want) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, ColorizerImpl, kEveryImpl, impl_name);

class ColorizerTwin : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.colorizer"; }
};

// The twin against the portable path on the twin's stream: Z16 and disparity input, equalized and
// fixed-range schemes (including an empty range).
TEST_P(ColorizerTwin, MatchesPortable) {
  const int h = 23, w = 31;
  auto f = test_util::z16_frame(random_depth(h, w, 4, 0.2, 1, 9000), h, w);
  f.intrinsics.fx = 50;
  const auto d = depth_to_disparity(f, stream());
  int compared = 0;
  for (const Frame* in : {static_cast<const Frame*>(&f), &d}) {
    for (ColorizerOptions o : {ColorizerOptions{0, true, 0, 6}, ColorizerOptions{4, false, 0.3f, 4},
                               ColorizerOptions{7, false, 0, 2}, ColorizerOptions{9, false, 3, 1}}) {
      const auto portable = to_vector<std::uint8_t>(with_portable([&] { return colorize(*in, o, stream()).data; }));
      const auto twin = to_vector<std::uint8_t>(colorize(*in, o, stream()).data);
      EXPECT_EQ(twin, portable) << "scheme " << o.color_scheme << " eq " << o.equalize;
      compared += std::count_if(twin.begin(), twin.end(), [](auto v) { return v != 0; }) > 0;
    }
  }
  EXPECT_EQ(compared, 8);
}

INSTANTIATE_TEST_SUITE_P(Impls, ColorizerTwin, kTwins, impl_name);

TEST(Colorizer, DisparityInputAndErrors) {
  auto f = test_util::z16_frame({1000, 0, 2000, 500}, 2, 2);
  f.intrinsics.fx = 400;
  auto d = depth_to_disparity(f);
  auto out = to_vector<std::uint8_t>(colorize(d, {0, false, 0.3f, 4}).data);
  EXPECT_EQ(out[3], 0);
  EXPECT_EQ(out[4], 0);
  EXPECT_EQ(out[5], 0);  // invalid pixel black
  auto far = to_vector<std::uint8_t>(colorize(d, {0, true, 0, 6}).data);
  EXPECT_EQ(far.size(), 12u);
  auto pts = f;
  pts.format = FrameFormat::rgb8;
  EXPECT_THROW_MSG(colorize(pts, {}), std::invalid_argument, "input format must be z16 or disparity32, got rgb8");
}

}  // namespace
}  // namespace robomlx::depth
