// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <filesystem>

#include "depth_test_util.h"
#include "robomlx/depth/block.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/decimation.h"
#include "robomlx/depth/golden.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

// Plain-loop reference of librealsense's Z16 decimation.
std::vector<std::uint16_t> reference(const std::vector<std::uint16_t>& in, int h, int w, int s, int& hp, int& wp) {
  const int hr = h / s, wr = w / s;
  hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  std::vector<std::uint16_t> out(std::size_t(hp) * wp, 0);
  for (int i = 0; i < hr; ++i) {
    for (int j = 0; j < wr; ++j) {
      std::vector<int> nz;
      for (int y = 0; y < s; ++y) {
        for (int x = 0; x < s; ++x) {
          const int v = in[(i * s + y) * w + j * s + x];
          if (v) nz.push_back(v);
        }
      }
      if (nz.empty()) continue;
      int r = 0;
      if (s == 2 || s == 3) {
        std::sort(nz.begin(), nz.end());
        r = nz[(nz.size() - 1) / 2];
      } else {
        long long sum = 0;
        for (int v : nz) sum += v;
        r = int(sum / long(nz.size()));
      }
      out[i * wp + j] = std::uint16_t(r);
    }
  }
  return out;
}

TEST(Decimation, OptionValidation) {
  auto block = make_block("decimation");
  EXPECT_EQ(block->get_option("filter_magnitude"), 2);
  EXPECT_THROW_MSG(block->set_option("filter_magnitude", 9), std::invalid_argument,
                   "[depth.decimation] filter_magnitude must be in [1, 8], got 9");
  EXPECT_THROW_MSG(block->set_option("filter_magnitude", 0), std::invalid_argument, "must be in [1, 8], got 0");
  EXPECT_THROW_MSG(block->set_option("filter_magnitude", 2.5f), std::invalid_argument, "must be an integer");
  EXPECT_THROW_MSG(block->set_option("holes_fill", 1), std::invalid_argument,
                   "[depth.decimation] unknown option 'holes_fill', known: filter_magnitude");
  EXPECT_THROW_MSG(make_block("nope"), std::invalid_argument, "unknown block 'nope'");
  EXPECT_THROW_MSG(decimate(Frame{}, {9}), std::invalid_argument, "filter_magnitude must be in [1, 8], got 9");
}

TEST(Decimation, HandComputed) {
  // s = 2 on a 2x4 frame: blocks {4, 0, 1, 9} -> lower median of {1, 4, 9} = 4; {0,0,0,7} -> 7.
  // s = 4 mean of non-zero {4, 1, 9, 7} = 21/4 -> 5 (integer division).
  std::vector<std::uint16_t> v = {4, 0, 0, 0, 1, 9, 0, 7};
  auto f = test_util::z16_frame(v, 2, 4);
  auto out = decimate(f, {2});
  ASSERT_EQ(out.data.shape(), (mx::Shape{4, 4}));  // 1x2 padded to 4x4
  auto got = to_vector<std::uint16_t>(out.data);
  EXPECT_EQ(got[0], 4);
  EXPECT_EQ(got[1], 7);
  EXPECT_EQ(std::count(got.begin(), got.end(), 0), 14);
  // Even count: lower of the two middle values; {10, 20} -> 10.
  std::vector<std::uint16_t> two = {10, 20, 0, 0};
  EXPECT_EQ(to_vector<std::uint16_t>(decimate(test_util::z16_frame(two, 2, 2), {2}).data)[0], 10);
  std::vector<std::uint16_t> four = {4, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 7, 0, 0, 0};
  EXPECT_EQ(to_vector<std::uint16_t>(decimate(test_util::z16_frame(four, 4, 4), {4}).data)[0], 5);
}

TEST(Decimation, IntrinsicsScaledLikeLibrealsense) {
  auto f = test_util::z16_frame(random_depth(480, 848, 1), 480, 848);
  f.intrinsics.fx = 421.88f, f.intrinsics.ppx = 424.3f, f.intrinsics.ppy = 239.7f;
  auto out = decimate(f, {3});
  EXPECT_EQ(out.intrinsics.width, 284);  // 282 real columns padded to a multiple of 4
  EXPECT_EQ(out.intrinsics.height, 160);
  EXPECT_EQ(out.intrinsics.fx, 421.88f / 3);
  EXPECT_EQ(out.intrinsics.ppx, 424.3f / 3);
  EXPECT_EQ(out.data.shape(), (mx::Shape{160, 284}));
}

TEST(Decimation, MatchesPlainLoopForEveryScale) {
  const int h = 37, w = 53;
  const auto v = random_depth(h, w, 7, 0.4, 1, 65535);
  for (int s = 1; s <= 8; ++s) {
    int hp = 0, wp = 0;
    const auto want = reference(v, h, w, s, hp, wp);
    auto out = decimate(test_util::z16_frame(v, h, w), {s});
    ASSERT_EQ(out.data.shape(), (mx::Shape{hp, wp})) << "s=" << s;
    EXPECT_EQ(to_vector<std::uint16_t>(out.data), want) << "s=" << s;
  }
}

class DecimationTwin : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.decimation"; }
};

// A twin against the portable path (on the twin's stream) on random frames, every scale, odd sizes
// and widths that are not multiples of 32 (CUDA blocks), from tiny to 1280x720.
TEST_P(DecimationTwin, EqualsPortableOnRandomFrames) {
  const std::pair<int, int> sizes[] = {{37, 53}, {61, 29}, {8, 8}, {1, 1}, {3, 2}, {123, 97}, {720, 1280}};
  unsigned seed = 11;
  for (auto [h, w] : sizes) {
    for (double holes : {0.0, 0.4, 0.95}) {
      const auto v = random_depth(h, w, seed++, holes, 1, 65535);
      for (int s = 1; s <= 8; ++s) {
        if (h < s || w < s) continue;
        const auto frame = test_util::z16_frame(v, h, w);
        const auto want = with_portable([&] { return decimate(frame, {s}, stream()).data; });
        const auto got = decimate(frame, {s}, stream()).data;
        ASSERT_EQ(got.shape(), want.shape()) << h << "x" << w << " s=" << s;
        EXPECT_EQ(to_vector<std::uint16_t>(got), to_vector<std::uint16_t>(want))
            << h << "x" << w << " holes=" << holes << " s=" << s;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, DecimationTwin, kTwins, impl_name);

class DecimationImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.decimation"; }
};

// Both paths match librealsense's own outputs exactly on every decimation golden case.
TEST_P(DecimationImpl, PassesGoldenCases) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(test::shared_dir()) / "golden" / "realsense";
  int cases = 0;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.path().filename().string().rfind("decimation_", 0) != 0) continue;
    const auto r = run_depth_golden_case(e.path().string(), stream());
    EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
    ++cases;
  }
  EXPECT_GE(cases, 5);
}

INSTANTIATE_TEST_SUITE_P(Impls, DecimationImpl, kEveryImpl, impl_name);

TEST(Decimation, VideoBoxAverageMatchesPlainLoop) {
  const int h = 10, w = 13, c = 3, s = 3;
  std::mt19937 rng(5);
  std::vector<std::uint8_t> img(h * w * c);
  for (auto& v : img) v = std::uint8_t(rng() & 255);
  Frame f;
  f.data = mx::array(img.data(), {h, w, c}, mx::uint8);
  f.format = FrameFormat::rgb8;
  f.intrinsics.width = w, f.intrinsics.height = h, f.intrinsics.fx = f.intrinsics.fy = 10;
  auto out = decimate(f, {s});
  ASSERT_EQ(out.data.shape(), (mx::Shape{4, 4, 3}));  // 3x4 real, padded to 4x4
  const auto got = to_vector<std::uint8_t>(out.data);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      for (int k = 0; k < c; ++k) {
        int want = 0;
        if (i < h / s && j < w / s) {
          int sum = 0;
          for (int y = 0; y < s; ++y) {
            for (int x = 0; x < s; ++x) sum += img[((i * s + y) * w + j * s + x) * c + k];
          }
          want = sum / (s * s);
        }
        ASSERT_EQ(got[(i * 4 + j) * c + k], want) << i << "," << j << "," << k;
      }
    }
  }
}

TEST(Decimation, RejectsWrongInput) {
  Frame f = test_util::z16_frame(random_depth(4, 4, 1), 4, 4);
  f.format = FrameFormat::disparity32;
  EXPECT_THROW_MSG(decimate(f, {2}), std::invalid_argument, "[depth.decimation] input format must be z16, rgb8");
  EXPECT_THROW_MSG(decimate(test_util::z16_frame(random_depth(4, 4, 1), 4, 4), {5}), std::invalid_argument,
                   "smaller than the scale 5");
}

}  // namespace
}  // namespace robomlx::depth
