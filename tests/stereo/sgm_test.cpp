// SPDX-License-Identifier: Apache-2.0
// compute_disparity: option and input errors, synthetic pairs with a known disparity, each
// implementation on its own stream, and the twins against the portable path.
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <random>
#include <vector>

#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/transforms.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/sgm.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

// Smooth random texture, and its right view for a fronto-parallel plane at disparity `disp`
// (right(y, x) = left(y, x + disp)); columns without a source get fresh texture.
struct Pair {
  mx::array left, right;
};
Pair synthetic_pair(int h, int w, int disp, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<float> wide(std::size_t(h) * (w + disp));
  for (auto& v : wide) v = float(rng() % 256);
  std::vector<float> l(std::size_t(h) * w), r(std::size_t(h) * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      l[y * w + x] = wide[y * (w + disp) + x];
      r[y * w + x] = wide[y * (w + disp) + x + disp];
    }
  // Right columns x >= w - disp see scene the left view does not: that is the "fresh" part.
  return {mx::array(l.data(), {h, w}), mx::array(r.data(), {h, w})};
}

// compute_disparity on stream s, evaluated.
DisparityResult run_on(const mx::array& left, const mx::array& right, const SgmOptions& o, mx::Stream s) {
  auto r = compute_disparity(left, right, o, s);
  mx::eval(r.disparity, r.confidence);
  return r;
}

// The portable reference on the same stream, forced (and checked) for every stereo tag.
DisparityResult portable_on(const mx::array& left, const mx::array& right, const SgmOptions& o, mx::Stream s) {
  return test::run_forced(Impl::portable, "stereo", [&] { return run_on(left, right, o, s); });
}

// ROBOMLX_NUM_THREADS for one scope (the CPU twin picks its sweep scheme by thread count); an
// empty value leaves it alone.
class ScopedThreads {
 public:
  explicit ScopedThreads(const std::string& value) : set_(!value.empty()) {
    if (!set_) return;
    if (const char* old = std::getenv("ROBOMLX_NUM_THREADS")) old_ = old;
    ::setenv("ROBOMLX_NUM_THREADS", value.c_str(), 1);
  }
  ~ScopedThreads() {
    if (!set_) return;
    if (old_) ::setenv("ROBOMLX_NUM_THREADS", old_->c_str(), 1);
    else ::unsetenv("ROBOMLX_NUM_THREADS");
  }

 private:
  bool set_;
  std::optional<std::string> old_;
};

// The CPU twin runs with one thread (horizontal pass + column-split sweeps) and two (two sweeps
// meeting in the middle); other implementations run once with the defaults.
std::vector<std::string> thread_settings(Impl impl) {
  if (impl == Impl::cpu) return {"1", "2"};
  return {""};
}

// One implementation forced for the SGM core ("stereo.sgm"; the refinement, "stereo.refine",
// picks by the stream), run on its stream, and checked to have run.
class SgmImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "stereo.sgm"; }
};
class SgmTwin : public SgmImpl {};
class SgmCudaTwin : public SgmImpl {};

SgmOptions small_options() {
  SgmOptions o;
  o.num_disparities = 16;
  return o;
}

TEST(Sgm, RejectsBadOptions) {
  auto bad = [](auto edit, const char* text) {
    SgmOptions o;
    edit(o);
    EXPECT_THROW_MSG(o.validate(), std::invalid_argument, text);
  };
  bad([](SgmOptions& o) { o.num_disparities = 0; }, "[stereo.sgm] num_disparities must be in [1, 1024], got 0");
  bad([](SgmOptions& o) { o.min_disparity = -1; }, "min_disparity must be");
  bad([](SgmOptions& o) { o.cost = "sad"; }, "cost must be \"census\" or \"ad_census\", got \"sad\"");
  bad([](SgmOptions& o) { o.census_width = 8; }, "census_width must be odd in [1, 9], got 8");
  bad([](SgmOptions& o) { o.census_height = 9; }, "census_height must be odd in [1, 7], got 9");
  bad([](SgmOptions& o) { o.p2 = 5; }, "p2 must be in [10, 4000], got 5");
  bad([](SgmOptions& o) { o.p1 = -1; }, "p1 must be in [0, 1000]");
  bad([](SgmOptions& o) { o.paths = 2; }, "paths must be 4 or 8, got 2");
  bad([](SgmOptions& o) { o.uniqueness_ratio = 100; }, "uniqueness_ratio must be in [0, 99]");
  bad([](SgmOptions& o) { o.median_size = 4; }, "median_size must be 0, 3 or 5, got 4");
  bad([](SgmOptions& o) { o.speckle_window = -3; }, "speckle_window must be");
  bad([](SgmOptions& o) { o.pyramid_factor = 3; }, "pyramid_factor must be 1, 2 or 4, got 3");
  bad([](SgmOptions& o) { o.refinement_radius = 40; }, "refinement_radius must be in [0, 16], got 40");
  SgmOptions ok;
  EXPECT_NO_THROW(ok.validate());
}

TEST(Sgm, RejectsBadImages) {
  auto a = mx::zeros({8, 10}, mx::uint8);
  EXPECT_THROW_MSG(compute_disparity(a, mx::zeros({8, 11}, mx::uint8), small_options()), std::invalid_argument,
                   "[stereo.sgm] right");
  EXPECT_THROW_MSG(compute_disparity(mx::zeros({8, 10, 3}, mx::uint8), a, small_options()), std::invalid_argument,
                   "[stereo.sgm] left");
  EXPECT_THROW_MSG(compute_disparity(mx::zeros({8, 10}, mx::int32), a, small_options()), std::invalid_argument,
                   "[stereo.sgm] left");
}

// Fraction of pixels in columns [x0, W) within tol of `want`.
double fraction_near(const mx::array& disp, int x0, float want, float tol) {
  auto d = mx::contiguous(disp);
  mx::eval(d);
  const int h = d.shape(0), w = d.shape(1);
  int good = 0, n = 0;
  for (int y = 0; y < h; ++y)
    for (int x = x0; x < w; ++x, ++n) good += std::abs(d.data<float>()[y * w + x] - want) <= tol;
  return double(good) / n;
}

TEST_P(SgmImpl, RecoversConstantDisparity) {
  auto pair = synthetic_pair(40, 64, 6, 1);
  auto r = compute_disparity(pair.left, pair.right, small_options(), stream());
  ASSERT_TRUE(r.disparity.has_primitive());
  EXPECT_EQ(r.disparity.primitive().stream(), stream());  // the graph ends on the given stream
  EXPECT_GT(fraction_near(r.disparity, 16, 6.f, 0.5f), 0.98);
  EXPECT_GE(mx::min(r.confidence).item<float>(), 0.f);
  EXPECT_LE(mx::max(r.confidence).item<float>(), 1.f);
}

INSTANTIATE_TEST_SUITE_P(Impls, SgmImpl, ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Sgm, PyramidWithRefinementRecoversDisparity) {
  auto pair = synthetic_pair(48, 80, 8, 2);
  SgmOptions o = small_options();
  o.num_disparities = 24;
  o.pyramid_factor = 2;
  o.refinement_radius = 2;
  EXPECT_GT(fraction_near(compute_disparity(pair.left, pair.right, o).disparity, 24, 8.f, 0.5f), 0.95);
  // Odd disparity, integer output: the coarse level can only say 8 or 10; refinement finds 9.
  pair = synthetic_pair(48, 80, 9, 3);
  o.subpixel = false;
  EXPECT_GT(fraction_near(compute_disparity(pair.left, pair.right, o).disparity, 24, 9.f, 0.f), 0.8);
  o.refinement_radius = 0;
  EXPECT_LT(fraction_near(compute_disparity(pair.left, pair.right, o).disparity, 24, 9.f, 0.f), 0.05);
}

TEST(Sgm, Uint8AndFloatInputsAgree) {
  auto pair = synthetic_pair(24, 40, 3, 3);
  auto a = compute_disparity(pair.left, pair.right, small_options());
  auto b = compute_disparity(mx::astype(pair.left, mx::uint8), mx::astype(pair.right, mx::uint8), small_options());
  EXPECT_CLOSE(allclose_scaled(a.disparity, b.disparity, 0, 0));
}

// The twins compute the same integer costs and sums: identical disparities (float rounding
// aside) for every option that reaches the core. Reference: the portable path on the same stream.
TEST_P(SgmTwin, MatchesPortable) {
  auto pair = synthetic_pair(21, 45, 5, 4);
  // Perturb the right view so costs, ties and LR failures are not trivial.
  std::mt19937 rng(9);
  std::vector<float> noise(21 * 45);
  for (auto& v : noise) v = float(int(rng() % 31) - 15);
  auto right = mx::clip(mx::add(pair.right, mx::array(noise.data(), {21, 45})), mx::array(0.f), mx::array(255.f));
  int cases = 0;
  for (const char* cost : {"census", "ad_census"})
    for (int paths : {4, 8})
      for (int median : {0, 3, 5})
        for (int lr : {-1, 1}) {
          SgmOptions o = small_options();
          o.cost = cost;
          o.paths = paths;
          o.median_size = median;
          o.lr_max_diff = lr;
          o.min_disparity = lr < 0 ? 2 : 0;
          o.uniqueness_ratio = median == 3 ? 0.f : 10.f;
          o.p2 = median == 5 ? 300.f : 120.f;  // 300: the twins' uint16 path costs (else uint8)
          o.census_width = paths == 4 ? 5 : 9;
          o.census_height = paths == 4 ? 3 : 7;
          const auto ref = portable_on(pair.left, right, o, stream());
          for (const auto& threads : thread_settings(GetParam())) {
            ScopedThreads scoped_threads(threads);
            const auto got = run_on(pair.left, right, o, stream());
            SCOPED_TRACE(std::string(cost) + " paths " + std::to_string(paths) + " median " + std::to_string(median) +
                         " lr " + std::to_string(lr) + " threads " + threads);
            EXPECT_CLOSE(allclose_scaled(got.disparity, ref.disparity, 0, 1e-5));
            EXPECT_CLOSE(allclose_scaled(got.confidence, ref.confidence, 0, 1e-6));
          }
          ++cases;
        }
  EXPECT_EQ(cases, 24);
}

// A range wide enough for the CPU twin's 32-disparity SIMD cost blocks plus a scalar tail (45),
// and ranges of whole blocks: 64 and 128 take the AVX-512 path rows where the CPU has them (else
// AVX2), 96 the AVX2 rows on every x86-64 with AVX2.
TEST_P(SgmTwin, MatchesPortableWideRange) {
  auto pair = synthetic_pair(24, 100, 21, 5);
  for (int nd : {45, 64, 96, 128})
  for (const char* cost : {"census", "ad_census"})
    for (int census : {9, 5}) {
      SgmOptions o;
      o.num_disparities = nd;
      o.min_disparity = 3;
      o.cost = cost;
      o.census_width = census;
      o.census_height = census == 9 ? 7 : 3;
      const auto ref = portable_on(pair.left, pair.right, o, stream());
      for (const auto& threads : thread_settings(GetParam())) {
        ScopedThreads scoped_threads(threads);
        const auto got = run_on(pair.left, pair.right, o, stream());
        SCOPED_TRACE(std::string(cost) + " census " + std::to_string(census) + " nd " + std::to_string(nd) +
                     " threads " + threads);
        EXPECT_CLOSE(allclose_scaled(got.disparity, ref.disparity, 0, 1e-5));
        EXPECT_CLOSE(allclose_scaled(got.confidence, ref.confidence, 0, 1e-6));
      }
    }
}

// The pyramid path: on a CPU stream the CPU twin runs it whole as one host op (downsample,
// core, upsample, refinement); on a GPU the CUDA core runs at the coarse level and the rest is
// portable.
TEST_P(SgmTwin, PyramidMatchesPortable) {
  struct Case {
    int factor, radius, min_d, h, w;
    bool subpixel;
  };
  // Coarse heights 15 and 16: the CPU twin's two sweeps meet on one row or between two; sizes
  // that are not multiples of the factor exercise the edge-padded average.
  const Case cases[] = {{2, 1, 0, 30, 52, true}, {2, 1, 0, 30, 52, false}, {2, 3, 0, 32, 52, true},
                        {2, 3, 0, 32, 52, false}, {4, 2, 5, 30, 50, true}, {4, 0, 0, 31, 53, true},
                        {2, 0, 3, 29, 51, true}};
  for (const auto& c : cases) {
    auto pair = synthetic_pair(c.h, c.w, 7, 8);
    SgmOptions o = small_options();
    o.num_disparities = c.factor == 4 ? 24 : 16;
    o.min_disparity = c.min_d;
    o.pyramid_factor = c.factor;
    o.refinement_radius = c.radius;
    o.subpixel = c.subpixel;
    const auto ref = portable_on(pair.left, pair.right, o, stream());
    for (const auto& threads : thread_settings(GetParam())) {
      ScopedThreads scoped_threads(threads);
      ImplTrace trace;
      const auto got = run_on(pair.left, pair.right, o, stream());
      SCOPED_TRACE("factor " + std::to_string(c.factor) + " radius " + std::to_string(c.radius) + " min_d " +
                   std::to_string(c.min_d) + (c.subpixel ? " subpixel" : "") + " threads " + threads);
      // One decision per stage actually run (the fused-pyramid plan records nothing).
      EXPECT_EQ(trace.count(GetParam(), "stereo.sgm"), 1) << trace.summary();
      if (GetParam() == Impl::cpu && c.radius > 0) {
        EXPECT_EQ(trace.count(Impl::cpu, "stereo.refine"), 1) << trace.summary();
      }
      EXPECT_CLOSE(allclose_scaled(got.disparity, ref.disparity, 0, 1e-5));
      EXPECT_CLOSE(allclose_scaled(got.confidence, ref.confidence, 0, 1e-6));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Twins, SgmTwin, ::testing::Values(Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The CUDA twin over up to 128 disparities and both path-cost widths (skipped with the reason
// where there is no CUDA GPU; scripts/gpu-check runs it).
TEST_P(SgmCudaTwin, MatchesPortableUpTo128Disparities) {
  auto pair = synthetic_pair(37, 70, 7, 6);
  std::mt19937 rng(10);
  std::vector<float> noise(37 * 70);
  for (auto& v : noise) v = float(int(rng() % 31) - 15);
  auto right = mx::clip(mx::add(pair.right, mx::array(noise.data(), {37, 70})), mx::array(0.f), mx::array(255.f));
  for (int nd : {16, 40, 128})
    for (const char* cost : {"census", "ad_census"})
      for (int paths : {4, 8})
        for (int median : {0, 3, 5}) {
          SgmOptions o;
          o.num_disparities = nd;
          o.cost = cost;
          o.paths = paths;
          o.median_size = median;
          o.min_disparity = median == 5 ? 3 : 0;
          o.lr_max_diff = median == 0 ? -1 : 1;
          o.p2 = nd == 40 ? 300.f : 120.f;  // 300: uint16 path costs
          const auto ref = portable_on(pair.left, right, o, stream());
          const auto got = run_on(pair.left, right, o, stream());
          SCOPED_TRACE(std::string(cost) + " D " + std::to_string(nd) + " paths " + std::to_string(paths) +
                       " median " + std::to_string(median));
          EXPECT_CLOSE(allclose_scaled(got.disparity, ref.disparity, 0, 1e-5));
          EXPECT_CLOSE(allclose_scaled(got.confidence, ref.confidence, 0, 1e-6));
        }
}

INSTANTIATE_TEST_SUITE_P(Twins, SgmCudaTwin, ::testing::Values(Impl::cuda),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Sgm, SpeckleRemovesSmallBlobs) {
  auto pair = synthetic_pair(32, 48, 4, 5);
  SgmOptions o = small_options();
  o.speckle_window = 32 * 48;  // every blob is "small": all invalid
  o.speckle_range = 100;
  auto r = compute_disparity(pair.left, pair.right, o);
  EXPECT_EQ(mx::max(r.disparity).item<float>(), -1.f);
  EXPECT_EQ(mx::max(r.confidence).item<float>(), 0.f);
}

}  // namespace
}  // namespace robomlx::stereo
