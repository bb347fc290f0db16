// SPDX-License-Identifier: Apache-2.0
// Hole filling: option errors, hand-computed 3x4 cases per mode, twins against the portable path,
// and parity with librealsense (golden hole_filling_*).
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/hole_filling.h"
#include "robomlx/depth/hole_filling_internal.h"
#include "robomlx/depth/hole_filling_twins.h"
#include "depth_test_util.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

using namespace test_util;

// Holes in blobs and runs (so filled pixels feed later ones), a hole-only first column band.
mx::array synthetic(int h, int w, bool disparity, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> v(static_cast<size_t>(h) * w);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      float z = 500 + 13 * x + 5 * y + 40 * u(rng);
      bool hole = u(rng) < 0.25f || (x < 3 && y > h / 2) || (y > 4 && y < 9 && x > 10 && x < 20);
      v[static_cast<size_t>(y) * w + x] = hole ? 0.0f : (disparity ? 30000.0f / z : std::floor(z));
    }
  }
  auto a = mx::array(v.data(), {h, w}, mx::float32);
  return disparity ? a : mx::astype(a, mx::uint16);
}

// Modes 1/2 have no Metal twin (their blocks wait on each other: hole_filling_twins.h).
int modes_for(Impl impl) { return impl == Impl::metal ? 1 : 3; }

TEST(HoleFilling, RejectsBadOptionsAndInputs) {
  auto img = mx::zeros({3, 3}, mx::uint16);
  EXPECT_THROW_MSG(hole_filling(img, {.mode = 3}), std::invalid_argument,
                   "[depth.hole_filling] holes_fill must be in [0, 2], got 3");
  EXPECT_THROW_MSG(hole_filling(mx::zeros({3, 3}, mx::uint8)), std::invalid_argument, "[depth.hole_filling] image");
  EXPECT_THROW_MSG(hole_filling(mx::zeros({3, 3, 1}, mx::uint16)), std::invalid_argument, "[depth.hole_filling] image");
  auto block = make_block("hole_filling");
  EXPECT_EQ(block->get_option("holes_fill"), 1);
  EXPECT_EQ(block->options().at("holes_fill").max, 2);
  EXPECT_THROW_MSG(block->set_option("holes_fill", 2.5f), std::invalid_argument,
                   "[depth.hole_filling] holes_fill must be in [0, 2], got 2.5");
  EXPECT_THROW_MSG(block->set_option("holes_fill", 0.5f), std::invalid_argument, "must be an integer");
  EXPECT_THROW_MSG(block->set_option("mode", 1), std::invalid_argument, "unknown option 'mode'");
}

class HoleFillingImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.hole_filling"; }
};

TEST_P(HoleFillingImpl, ModesByHand) {
  // Row 1 has holes at columns 1 and 2; up-left 10, up 20/30, down-left 40/50, down 50/0.
  std::vector<uint16_t> in = {10, 20, 30, 5,  //
                              0, 0, 0, 7,     //
                              40, 50, 0, 9};
  std::vector<std::vector<uint16_t>> want = {
      {10, 20, 30, 5, 0, 0, 0, 7, 40, 50, 50, 9},     // mode 0: nothing valid left of row 1's holes
      {10, 20, 30, 5, 0, 50, 50, 7, 40, 50, 0, 9},    // mode 1: max(10,20,0,40,50)=50, then max(20,30,50,50,0)
      {10, 20, 30, 5, 0, 10, 10, 7, 40, 50, 0, 9}};   // mode 2: min(20; 10,40,50), then min(30; 20,10,50; down 0 skipped)
  auto x = mx::array(in.data(), {3, 4}, mx::uint16);
  for (int mode = 0; mode < modes_for(GetParam()); ++mode) {
    SCOPED_TRACE("mode " + std::to_string(mode));
    EXPECT_CLOSE(exactly_equal(hole_filling(x, {.mode = mode}, stream()), mx::array(want[mode].data(), {3, 4}, mx::uint16)));
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, HoleFillingImpl, kEveryImpl, impl_name);

class HoleFillingTwin : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.hole_filling"; }
  // The twin and the portable path on the twin's stream, bit for bit.
  void expect_equal(const mx::array& img, int mode) {
    const auto want = with_portable([&] { return hole_filling(img, {.mode = mode}, stream()); });
    EXPECT_CLOSE(exactly_equal(hole_filling(img, {.mode = mode}, stream()), want));
  }
};

TEST_P(HoleFillingTwin, MatchesPortable) {
  for (bool disparity : {false, true}) {
    for (int mode = 0; mode < modes_for(GetParam()); ++mode) {
      SCOPED_TRACE("disparity=" + std::to_string(disparity) + " mode=" + std::to_string(mode));
      auto img = synthetic(33, 47, disparity, 5 + mode);
      expect_equal(img, mode);
      EXPECT_FALSE(exactly_equal(with_portable([&] { return hole_filling(img, {.mode = mode}, stream()); }), img).ok);
    }
  }
}

TEST_P(HoleFillingTwin, ThinImages) {
  for (bool disparity : {false, true}) {
    for (auto [h, w] : {std::pair{1, 7}, std::pair{2, 7}, std::pair{7, 1}, std::pair{3, 2}}) {
      auto img = synthetic(h, w, disparity, 21 + h * w);
      for (int mode = 0; mode < modes_for(GetParam()); ++mode) {
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " mode " + std::to_string(mode));
        expect_equal(img, mode);
      }
    }
  }
}

// Sizes for the CUDA kernels: widths off the 32-sample chunks, > 512 rows (several bands of the
// sweep). The CPU twin runs them too.
TEST_P(HoleFillingTwin, KernelSizes) {
  const std::pair<int, int> sizes[] = {{2, 40}, {33, 65}, {64, 31}, {360, 640}, {1100, 37}};
  int seed = 9;
  for (bool disparity : {false, true}) {
    for (auto [h, w] : sizes) {
      for (int mode = 0; mode < modes_for(GetParam()); ++mode) {
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " disparity=" + std::to_string(disparity) +
                     " mode=" + std::to_string(mode));
        expect_equal(synthetic(h, w, disparity, seed++), mode);
      }
    }
  }
}

// Shapes that stress the portable path's row scans (segments restarting at every kept pixel) and
// its carried rows, against the twin's raster loop: long rows, widths off powers of two, rows with
// no hole, alternating holes, hole columns reaching the top row (mode 2 keeps those), holes in
// columns 0 (never filled, read as up-left and left) and 1, tall hole stripes (a fill chain down the whole image), and an image of holes only.
TEST_P(HoleFillingTwin, ScanPatterns) {
  struct Pattern {
    const char* name;
    int h, w;
    bool (*hole)(int y, int x, int h, int w);
  };
  const Pattern patterns[] = {
      {"long rows", 5, 5000, [](int y, int x, int, int) { return (x * 7 + y * 3) % 11 < 4; }},
      {"no holes", 9, 77, [](int, int, int, int) { return false; }},
      {"alternating", 12, 129, [](int y, int x, int, int) { return (x + y) % 2 == 0; }},
      {"hole columns from the top", 20, 63, [](int y, int x, int, int) { return x % 5 == 0 || (x % 7 == 3 && y < 12); }},
      {"column 0 and 1", 15, 40,
       [](int y, int x, int, int) { return (x == 0 && y % 2) || (x == 1 && y % 3) || (x + y) % 7 == 0; }},
      {"tall stripes", 300, 65, [](int y, int x, int h, int) { return (x / 3) % 4 == 1 && y > 2 && y < h - 3; }},
      {"holes only", 6, 31, [](int, int, int, int) { return true; }},
  };
  unsigned seed = 3;
  for (bool disparity : {false, true}) {
    for (const auto& p : patterns) {
      auto img = synthetic(p.h, p.w, disparity, seed++);
      std::vector<uint8_t> holes(static_cast<size_t>(p.h) * p.w);
      for (int y = 0; y < p.h; ++y)
        for (int x = 0; x < p.w; ++x) holes[static_cast<size_t>(y) * p.w + x] = p.hole(y, x, p.h, p.w);
      auto hole = mx::array(holes.data(), {p.h, p.w}, mx::uint8);
      img = mx::where(mx::astype(hole, mx::bool_), mx::zeros_like(img), mx::maximum(img, mx::ones_like(img)));
      for (int mode = 0; mode < 3; ++mode) {
        SCOPED_TRACE(std::string(p.name) + " disparity=" + std::to_string(disparity) + " mode=" + std::to_string(mode));
        expect_equal(img, mode);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, HoleFillingTwin, kTwins, impl_name);

// The portable path's rounds and check (hole_filling_rounds.cpp) on a staircase of holes: a
// corridor going right 6 and down 5, over and over, from a large value at its top left, so the
// fill changes direction at every step; some corridors take their fill from the raw row below
// instead. One round leaves most of it for the row-by-row rest, from the first row the check
// fails on; the default number passes the check. Either way the result is the CPU twin's bit for
// bit: both modes, both dtypes, wider than tall and taller than wide (the grid is transposed in
// one of them).
TEST(HoleFilling, PortableRoundsCheckAndRowByRowRest) {
  const mx::Stream s = mx::default_stream(mx::default_device());
  for (bool wide : {true, false}) {
    const int h = wide ? 40 : 90, w = wide ? 90 : 40;
    std::vector<float> v(static_cast<size_t>(h) * w);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) v[static_cast<size_t>(y) * w + x] = 100.0f + float((7 * x + 3 * y) % 50);
    for (int start = 0; start < w; start += 23) {
      int y = 1, x = start + 1;
      v[static_cast<size_t>(y - 1) * w + x - 1] = 4000.0f;  // the corridor's source
      for (int step = 0; y < h - 1 && x < w; ++step) {
        for (int k = 0; k < (step % 2 ? 5 : 6) && y < h - 1 && x < w; ++k) {
          v[static_cast<size_t>(y) * w + x] = 0.0f;
          step % 2 ? ++y : ++x;
        }
      }
    }
    for (bool disparity : {false, true}) {
      auto img = mx::array(v.data(), {h, w}, mx::float32);
      if (!disparity) img = mx::astype(img, mx::uint16);
      for (int mode : {1, 2}) {
        const auto want = detail::hole_filling_cpu(img, mode, mx::default_stream(mx::Device::cpu));
        for (int rounds : {1, detail::hole_filling_round_count()}) {
          SCOPED_TRACE(std::string(wide ? "wide" : "tall") + " disparity=" + std::to_string(disparity) +
                       " mode=" + std::to_string(mode) + " rounds=" + std::to_string(rounds));
          const auto r = detail::hole_filling_rounds(img, mode == 1, rounds, s);
          if (rounds == 1) EXPECT_LT(r.exact_rows, h);
          else EXPECT_EQ(r.exact_rows, h);
          auto& count = detail::hole_filling_round_count();
          const int saved = count;
          count = rounds;
          auto out = detail::hole_filling_portable(img, mode, s);
          count = saved;
          EXPECT_CLOSE(exactly_equal(out, want));
        }
      }
    }
  }
}

class HoleFillingGolden : public ::testing::TestWithParam<ImplCase> {};

TEST_P(HoleFillingGolden, MatchesLibrealsense) {
  const auto& [impl, name] = GetParam();
  ROBOMLX_STREAM_OR_SKIP(s, impl);
  auto dir = fs::path(test::shared_dir()) / "golden/realsense" / name;
  ASSERT_TRUE(fs::exists(dir / "case.json")) << "golden case missing: " << dir;
  std::ifstream file(dir / "case.json");
  auto spec = nlohmann::json::parse(file);
  int mode = static_cast<int>(spec.at("options_set_in_order").at(0).at("value_readback").get<double>());
  auto input = read_pnm((dir / spec.at("inputs").at(0).at("file").get<std::string>()).string()).to_array_2d();
  auto expected = read_pnm((dir / spec.at("outputs").at(0).at("file").get<std::string>()).string()).to_array_2d();
  auto out = test::run_forced(impl, "depth.hole_filling", [&] { return hole_filling(input, {.mode = mode}, s); });
  EXPECT_CLOSE(exactly_equal(out, expected));
}

INSTANTIATE_TEST_SUITE_P(Cases, HoleFillingGolden,
                         ::testing::Combine(kEveryImpl, ::testing::Values("hole_filling_real_mode1", "hole_filling_real_mode2",
                                                                          "hole_filling_realdec2_mode0",
                                                                          "hole_filling_synth848dec2_mode1",
                                                                          "hole_filling_synth848dec2_mode2")),
                         impl_case_name);

}  // namespace
}  // namespace robomlx::depth
