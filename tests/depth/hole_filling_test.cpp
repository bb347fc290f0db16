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
#include "depth_test_util.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

mx::array run(const mx::array& image, int mode, Impl impl) {
  ScopedImpl forced(impl);
  auto out = hole_filling(image, {.mode = mode});
  mx::eval(out);
  return out;
}

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

TEST(HoleFilling, ModesByHand) {
  // Row 1 has holes at columns 1 and 2; up-left 10, up 20/30, down-left 40/50, down 50/0.
  std::vector<uint16_t> in = {10, 20, 30, 5,  //
                              0, 0, 0, 7,     //
                              40, 50, 0, 9};
  std::vector<std::vector<uint16_t>> want = {
      {10, 20, 30, 5, 0, 0, 0, 7, 40, 50, 50, 9},     // mode 0: nothing valid left of row 1's holes
      {10, 20, 30, 5, 0, 50, 50, 7, 40, 50, 0, 9},    // mode 1: max(10,20,0,40,50)=50, then max(20,30,50,50,0)
      {10, 20, 30, 5, 0, 10, 10, 7, 40, 50, 0, 9}};   // mode 2: min(20; 10,40,50), then min(30; 20,10,50; down 0 skipped)
  auto x = mx::array(in.data(), {3, 4}, mx::uint16);
  for (int mode = 0; mode < 3; ++mode) {
    for (Impl impl : test_util::impls_here()) {
      SCOPED_TRACE("mode " + std::to_string(mode) + " " + to_string(impl));
      EXPECT_CLOSE(exactly_equal(run(x, mode, impl), mx::array(want[mode].data(), {3, 4}, mx::uint16)));
    }
  }
}

TEST(HoleFilling, CpuTwinMatchesPortable) {
  for (bool disparity : {false, true}) {
    for (int mode = 0; mode < 3; ++mode) {
      SCOPED_TRACE("disparity=" + std::to_string(disparity) + " mode=" + std::to_string(mode));
      auto img = synthetic(33, 47, disparity, 5 + mode);
      auto want = run(img, mode, Impl::portable);
      EXPECT_CLOSE(exactly_equal(run(img, mode, Impl::cpu), want));
      EXPECT_FALSE(exactly_equal(want, img).ok);
    }
  }
}

TEST(HoleFilling, ThinImages) {
  for (bool disparity : {false, true}) {
    for (auto [h, w] : {std::pair{1, 7}, std::pair{2, 7}, std::pair{7, 1}, std::pair{3, 2}}) {
      auto img = synthetic(h, w, disparity, 21 + h * w);
      for (int mode = 0; mode < 3; ++mode) {
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " mode " + std::to_string(mode));
        EXPECT_CLOSE(exactly_equal(run(img, mode, Impl::cpu), run(img, mode, Impl::portable)));
      }
    }
  }
}

TEST(HoleFilling, CudaTwinMatchesPortable) {
  if (!is_cuda_device(mx::default_device())) GTEST_SKIP() << "needs a CUDA GPU (the CUDA twin only runs there)";
  // Tiny and odd sizes, widths off the 32-sample chunks, > 512 rows (several bands of the sweep).
  const std::pair<int, int> sizes[] = {{1, 7}, {7, 1}, {3, 2}, {2, 40}, {33, 65}, {64, 31}, {360, 640}, {1100, 37}};
  int seed = 9;
  for (bool disparity : {false, true}) {
    for (auto [h, w] : sizes) {
      for (int mode = 0; mode < 3; ++mode) {
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " disparity=" + std::to_string(disparity) +
                     " mode=" + std::to_string(mode));
        auto img = synthetic(h, w, disparity, seed++);
        EXPECT_CLOSE(exactly_equal(run(img, mode, Impl::cuda), run(img, mode, Impl::portable)));
      }
    }
  }
}

class HoleFillingGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(HoleFillingGolden, MatchesLibrealsense) {
  auto dir = fs::path(test::shared_dir()) / "golden/realsense" / GetParam();
  if (!fs::exists(dir / "case.json")) GTEST_SKIP() << "golden case missing: " << dir;
  std::ifstream file(dir / "case.json");
  auto spec = nlohmann::json::parse(file);
  int mode = static_cast<int>(spec.at("options_set_in_order").at(0).at("value_readback").get<double>());
  auto input = read_pnm((dir / spec.at("inputs").at(0).at("file").get<std::string>()).string()).to_array_2d();
  auto expected = read_pnm((dir / spec.at("outputs").at(0).at("file").get<std::string>()).string()).to_array_2d();
  for (Impl impl : test_util::impls_here()) {
    SCOPED_TRACE(to_string(impl));
    EXPECT_CLOSE(exactly_equal(run(input, mode, impl), expected));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, HoleFillingGolden,
                         ::testing::Values("hole_filling_real_mode1", "hole_filling_real_mode2",
                                           "hole_filling_realdec2_mode0", "hole_filling_synth848dec2_mode1",
                                           "hole_filling_synth848dec2_mode2"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace robomlx::depth
