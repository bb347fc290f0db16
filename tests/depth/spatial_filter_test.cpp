// SPDX-License-Identifier: Apache-2.0
// Spatial filter: option errors, a hand-computed row, twins against the portable path, and
// parity with librealsense's own outputs (shared/golden/realsense/spatial_*).
//
// Every path is bit-exact everywhere. The portable float (disparity) path reaches the sequential
// loop's float result through a tree-order scan and refinement sweeps (line_scan_refine.cpp);
// BlendingRamps gives it lines that blend from end to end, where the scan's rounding differs the
// most and for the longest.
#include <cmath>
#include <cstring>
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
#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/spatial_filter.h"
#include "robomlx/depth/spatial_filter_twins.h"
#include "depth_test_util.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

fs::path golden_case(const std::string& name) { return fs::path(test::shared_dir()) / "golden/realsense" / name; }

mx::array load_frame(const fs::path& dir, const nlohmann::json& entry) {
  auto path = (dir / entry.at("file").get<std::string>()).string();
  if (entry.at("kind") == "z16") return read_pnm(path).to_array_2d();
  int h = entry.at("height"), w = entry.at("width");
  auto values = read_raw_f32(path, static_cast<size_t>(h) * w);
  return mx::array(values.data(), {h, w}, mx::float32);
}

// Z16 depth (or disparity) with noise, edges, holes and raw 1s: exercises every branch.
mx::array synthetic(int h, int w, bool disparity, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, 6);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<uint16_t> z(static_cast<size_t>(h) * w);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      float base = x < w / 3 ? 800 + 2 * y : (x < 2 * w / 3 ? 1500 + x : 3000 - 3 * y);
      float v = base + noise(rng);
      float r = u(rng);
      if (r < 0.12f || (y > h / 2 && y < h / 2 + 3 && x > 5 && x < 14)) v = 0;
      else if (r < 0.14f) v = 1;
      else if (r < 0.16f) v = base + 45;
      z[static_cast<size_t>(y) * w + x] = static_cast<uint16_t>(v);
    }
  }
  auto depth = mx::array(z.data(), {h, w}, mx::uint16);
  if (!disparity) return depth;
  // Same layout as DISPARITY32: K / z, 0 for holes.
  auto zf = mx::astype(depth, mx::float32);
  return mx::where(mx::greater(zf, mx::array(0.0f)), mx::divide(mx::array(32000.0f), zf), mx::array(0.0f));
}

using namespace test_util;

class SpatialImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.spatial"; }
};

class SpatialTwin : public SpatialImpl {
 protected:
  // The twin and the portable path on the twin's stream, bit for bit.
  void expect_equal(const mx::array& img, const SpatialFilterOptions& o) {
    const auto want = with_portable([&] { return spatial_filter(img, o, stream()); });
    EXPECT_CLOSE(exactly_equal(spatial_filter(img, o, stream()), want));
  }
};

TEST(SpatialFilter, RejectsBadOptionsAndInputs) {
  auto img = mx::zeros({4, 4}, mx::uint16);
  EXPECT_THROW_MSG(spatial_filter(img, {.alpha = 1.5f}), std::invalid_argument,
                   "[depth.spatial] filter_smooth_alpha must be in [0.25, 1], got 1.5");
  EXPECT_THROW_MSG(spatial_filter(img, {.delta = 0}), std::invalid_argument,
                   "[depth.spatial] filter_smooth_delta must be in [1, 50], got 0");
  EXPECT_THROW_MSG(spatial_filter(img, {.iterations = 6}), std::invalid_argument,
                   "[depth.spatial] filter_magnitude must be in [1, 5], got 6");
  EXPECT_THROW_MSG(spatial_filter(img, {.holes_fill = -1}), std::invalid_argument,
                   "[depth.spatial] holes_fill must be in [0, 5], got -1");
  EXPECT_THROW_MSG(spatial_filter(mx::zeros({4, 4}, mx::int32)), std::invalid_argument, "[depth.spatial] image");
  EXPECT_THROW_MSG(spatial_filter(mx::zeros({4}, mx::uint16)), std::invalid_argument, "[depth.spatial] image");
  EXPECT_THROW_MSG(spatial_filter(mx::zeros({1, 4}, mx::uint16)), std::invalid_argument, "at least 2x2");
}

TEST(SpatialFilter, BlockOptions) {
  auto block = make_block("spatial");
  EXPECT_EQ(block->name(), "spatial");
  auto opts = block->options();
  ASSERT_EQ(opts.size(), 4u);
  EXPECT_EQ(opts.at("filter_magnitude").def, 2);
  EXPECT_EQ(opts.at("filter_smooth_alpha").min, 0.25f);
  EXPECT_EQ(opts.at("filter_smooth_delta").max, 50);
  EXPECT_EQ(opts.at("holes_fill").max, 5);
  EXPECT_THROW_MSG(block->set_option("filter_smooth_alpha", 1.5f), std::invalid_argument,
                   "[depth.spatial] filter_smooth_alpha must be in [0.25, 1], got 1.5");
  EXPECT_THROW_MSG(block->set_option("filter_magnitude", 2.5f), std::invalid_argument,
                   "[depth.spatial] filter_magnitude must be an integer");
  EXPECT_THROW_MSG(block->set_option("magnitude", 2), std::invalid_argument, "unknown option 'magnitude'");
  block->set_option("holes_fill", 3);
  EXPECT_EQ(block->get_option("holes_fill"), 3);
  Frame rgb;
  rgb.format = FrameFormat::rgb8;
  rgb.data = mx::zeros({2, 2, 3}, mx::uint8);
  EXPECT_THROW_MSG(block->process(rgb), std::invalid_argument, "[depth.spatial] input format must be z16");
  EXPECT_THROW_MSG(block->get_option("alpha"), std::invalid_argument, "[depth.spatial] unknown option 'alpha'");
}

// One float row pass by hand: alpha 0.5, delta 20, one iteration on a 2-row image whose rows are
// equal (the vertical passes then blend equal values, which leaves them unchanged).
TEST_P(SpatialImpl, FloatRowByHand) {
  std::vector<float> row = {100, 110, 0, 120, 125, 200};
  std::vector<float> img = row;
  img.insert(img.end(), row.begin(), row.end());
  auto x = mx::array(img.data(), {2, 6}, mx::float32);
  // left->right: 110 -> 105; 0 hole; 120 restarts; 125 -> 122.5; 200 edge.
  // right->left from 200: 122.5 (raw 125 vs 200: edge) stays; 120 vs raw 125 -> 0.5*120+0.5*122.5
  std::vector<float> want = {102.5f, 105, 0, 121.25f, 122.5f, 200};
  auto out = spatial_filter(x, {.alpha = 0.5f, .delta = 20, .iterations = 1}, stream());
  EXPECT_CLOSE(exactly_equal(mx::slice(out, {0, 0}, {1, 6}), mx::array(want.data(), {1, 6}, mx::float32)));
}

INSTANTIATE_TEST_SUITE_P(Impls, SpatialImpl, kEveryImpl, impl_name);

TEST_P(SpatialTwin, MatchesPortable) {
  struct Case { bool disparity; SpatialFilterOptions o; };
  std::vector<Case> cases = {{false, {}}, {true, {}}, {false, {.alpha = 0.3f, .delta = 8, .iterations = 3, .holes_fill = 2}},
                             {false, {.alpha = 0.77f, .delta = 50, .iterations = 1, .holes_fill = 5}},
                             {true, {.alpha = 0.6f, .delta = 20, .iterations = 3, .holes_fill = 2}},
                             {true, {.alpha = 0.25f, .delta = 1, .iterations = 1, .holes_fill = 5}}};
  unsigned seed = 1;
  for (const auto& c : cases) {
    auto img = synthetic(29, 41, c.disparity, seed++);
    SCOPED_TRACE("disparity=" + std::to_string(c.disparity) + " holes_fill=" + std::to_string(c.o.holes_fill));
    expect_equal(img, c.o);
    const auto want = with_portable([&] { return spatial_filter(img, c.o, stream()); });
    EXPECT_FALSE(exactly_equal(want, img).ok) << "the filter must change something";
  }
}

TEST_P(SpatialTwin, SmallestImages) {
  for (bool disparity : {false, true}) {
    for (auto [h, w] : {std::pair{2, 2}, std::pair{2, 9}, std::pair{9, 2}, std::pair{3, 3}}) {
      SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + (disparity ? " disparity" : " z16"));
      auto img = synthetic(h, w, disparity, 17 + h * w);
      SpatialFilterOptions o{.alpha = 0.5f, .delta = 50, .iterations = 2, .holes_fill = 5};
      expect_equal(img, o);
    }
  }
}

TEST_P(SpatialTwin, KernelSizes) {
  // The CPU twin's threads split lines like the CUDA kernels' warps: both run every size.
  // Sizes around the 32-line warps and 32-sample chunks of the CUDA walkers, tiny to 1280x720;
  // options covering every fill radius (0 = off, 255 = unlimited) and alpha = 1 (keep = 0).
  const std::pair<int, int> sizes[] = {{2, 2}, {3, 5}, {9, 2}, {31, 33}, {32, 32}, {33, 31}, {61, 83}, {97, 130}, {360, 640}, {720, 1280}};
  const SpatialFilterOptions opts[] = {{.alpha = 0.45f, .delta = 15, .iterations = 2, .holes_fill = 3},
                                       {.alpha = 0.5f, .delta = 20, .iterations = 1, .holes_fill = 0},
                                       {.alpha = 1.0f, .delta = 1, .iterations = 3, .holes_fill = 5},
                                       {.alpha = 0.25f, .delta = 50, .iterations = 2, .holes_fill = 1}};
  int seed = 7;
  for (bool disparity : {false, true}) {
    for (auto [h, w] : sizes) {
      for (const auto& o : opts) {
        if (h * w > 100000 && o.alpha != 0.45f) continue;  // big frames: one option set
        // On a CPU stream the portable Z16 reference is a long graph of line ops on one thread.
        if (h * w > 100000 && GetParam() == Impl::cpu && !disparity) continue;
        auto img = synthetic(h, w, disparity, seed++);
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " disparity=" + std::to_string(disparity) +
                     " alpha=" + std::to_string(o.alpha) + " holes_fill=" + std::to_string(o.holes_fill));
        expect_equal(img, o);
      }
    }
  }
}

// Long constant-slope ramps (a small ripple varies the rounding) where every sample blends with
// its neighbours in every pass: the scan's tree-order sums differ from the sequential loop along
// the whole line, so the refinement has the most to correct. Lines of 3000 along rows and along
// columns, every alpha class (keep a power of two, fused sweeps; keep not one, one step per
// sweep; keep 0), delta 1 and 50, rising and falling.
TEST_P(SpatialTwin, BlendingRamps) {
  const int long_side = 3000, short_side = 3;
  int case_index = 0;
  for (float alpha : {0.25f, 0.4f, 0.5f, 0.75f, 1.0f}) {
    for (int delta : {1, 50}) {
      for (bool rows : {true, false}) {
        const float slope = (case_index++ % 2 ? 0.37f : -0.29f) * delta;
        const float start = slope > 0 ? 7.3f : 7.3f - slope * long_side;
        std::vector<float> v(static_cast<size_t>(long_side) * short_side);
        for (int k = 0; k < long_side; ++k)
          for (int j = 0; j < short_side; ++j)
            v[rows ? j * long_side + k : k * short_side + j] = start + slope * k + 0.01f * std::sin(0.7f * k + j);
        auto img = mx::array(v.data(), rows ? mx::Shape{short_side, long_side} : mx::Shape{long_side, short_side});
        SCOPED_TRACE("alpha=" + std::to_string(alpha) + " delta=" + std::to_string(delta) + (rows ? " rows" : " columns"));
        expect_equal(img, {.alpha = alpha, .delta = delta, .iterations = 2, .holes_fill = 0});
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, SpatialTwin, kTwins, impl_name);

// The portable float path runs a fixed number of refinement sweeps per pass and checks them once;
// with too few (5 steps: far from settled) the check fails and the filter runs again with checked
// sweeps, still bit-exact with librealsense. Default steps: one check, no rerun.
TEST(SpatialFilter, PortableRerunsWhenSweepsDoNotSettle) {
  const auto dir = golden_case("spatial_synth848dec2_disparity_a0.5_d20_it2_h0");
  ASSERT_TRUE(fs::exists(dir / "case.json")) << "golden case missing: " << dir;
  std::ifstream f(dir / "case.json");
  const auto spec = nlohmann::json::parse(f);
  const auto input = load_frame(dir, spec.at("inputs").at(0));
  const auto expected = load_frame(dir, spec.at("outputs").at(0));
  const SpatialFilterOptions o{.alpha = 0.5f, .delta = 20, .iterations = 2, .holes_fill = 0};
  const mx::Stream s = mx::default_stream(mx::default_device());
  auto& steps = detail::spatial_refine_steps();
  const int saved = steps;
  for (int n : {saved, 5}) {
    steps = n;
    const long syncs = detail::portable_syncs().count;
    auto out = detail::spatial_filter_portable(input, o, s);
    mx::eval(out);
    const long ran = detail::portable_syncs().count - syncs;
    steps = saved;
    SCOPED_TRACE(std::to_string(n) + " steps");
    EXPECT_CLOSE(exactly_equal(out, expected));
    if (n == saved) EXPECT_EQ(ran, 1) << "one check, no rerun";
    else EXPECT_GT(ran, 1) << "the rerun checks its sweeps";
  }
}

class SpatialGolden : public ::testing::TestWithParam<ImplCase> {};

TEST_P(SpatialGolden, MatchesLibrealsense) {
  const auto& [impl, name] = GetParam();
  ROBOMLX_STREAM_OR_SKIP(s, impl);
  auto dir = golden_case(name);
  ASSERT_TRUE(fs::exists(dir / "case.json")) << "golden case missing: " << dir;
  std::ifstream f(dir / "case.json");
  auto spec = nlohmann::json::parse(f);
  SpatialFilterOptions o;
  for (const auto& opt : spec.at("options_set_in_order")) {
    std::string name = opt.at("option");
    double v = opt.at("value_readback");
    if (name == "RS2_OPTION_FILTER_SMOOTH_ALPHA") o.alpha = static_cast<float>(v);
    if (name == "RS2_OPTION_FILTER_SMOOTH_DELTA") o.delta = static_cast<int>(v);
    if (name == "RS2_OPTION_FILTER_MAGNITUDE") o.iterations = static_cast<int>(v);
    if (name == "RS2_OPTION_HOLES_FILL") o.holes_fill = static_cast<int>(v);
  }
  auto input = load_frame(dir, spec.at("inputs").at(0));
  auto expected = load_frame(dir, spec.at("outputs").at(0));
  // Bit-exact for every path: each keeps upstream's operation order.
  auto out = test::run_forced(impl, "depth.spatial", [&] { return spatial_filter(input, o, s); });
  EXPECT_CLOSE(exactly_equal(out, expected));
}

INSTANTIATE_TEST_SUITE_P(Cases, SpatialGolden,
                         ::testing::Combine(kEveryImpl, ::testing::Values("spatial_realdec2_depth_a0.5_d20_it2_h0",
                                           "spatial_realdec2_disparity_a0.5_d20_it2_h0",
                                           "spatial_synth848dec2_depth_a0.25_d8_it1_h0",
                                           "spatial_synth848dec2_depth_a0.5_d20_it2_h0",
                                           "spatial_synth848dec2_disparity_a0.25_d8_it1_h0",
                                           "spatial_synth848dec2_disparity_a0.5_d20_it2_h0",
                                           "spatial_synth848dec2_disparity_a0.6_d20_it3_h2")),
                         impl_case_name);

}  // namespace
}  // namespace robomlx::depth
