// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstdint>
#include <vector>

#include "depth_test_util.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/threshold.h"
#include "robomlx/depth/threshold_twins.h"
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

// The CPU twin against the portable path on every raw value (odd width: the vector loops' tails),
// for intervals at both ends of the range, a single value and all values.
TEST(Threshold, CpuTwinEqualsPortableOnEveryRawValue) {
  std::vector<std::uint16_t> v(65536);
  for (int i = 0; i < 65536; ++i) v[i] = static_cast<std::uint16_t>((i * 40503u) & 0xFFFF);  // a permutation
  const float cases[][3] = {{0.001f, 0.1f, 4.0f}, {0.0001f, 0.f, 16.f}, {0.00025f, 1.f, 1.f}, {0.001f, 0.f, 0.05f},
                            {0.001f, 16.f, 16.f}, {0.0001f, 6.55f, 16.f}, {1e-4f, 0.3333f, 6.5432f}};
  const mx::Stream cpu = mx::default_stream(mx::Device::cpu);
  for (const auto& c : cases) {
    auto f = test_util::z16_frame(std::vector<std::uint16_t>(v.begin(), v.begin() + 65535), 65535 / 255, 255);
    f.depth_units = c[0];
    const auto want = [&] {
      ScopedImpl portable(Impl::portable, "depth.threshold");
      return to_vector<std::uint16_t>(threshold(f, {c[1], c[2]}, cpu).data);
    }();
    const auto got = test::run_forced(Impl::cpu, "depth.threshold",
                                      [&] { return to_vector<std::uint16_t>(threshold(f, {c[1], c[2]}, cpu).data); });
    EXPECT_EQ(got, want) << "units " << c[0] << " range " << c[1] << " " << c[2];
  }
}

// Every lane width of the twin's loop against the generic loop: every length up to 40 and 1283
// values, intervals at 0, at 65535, one value wide, everything.
TEST(Threshold, RowsEveryWidthEqualsTheGenericLoop) {
  using detail::CpuIsa;
  const std::pair<int, int> intervals[] = {{100, 4000}, {0, 0}, {0, 65535}, {65535, 0}, {65000, 535}, {7, 1}};
  for (auto [lo, span] : intervals) {
    for (int n = 0; n <= 1283; n = n < 40 ? n + 1 : n + 1283) {
      std::vector<std::uint16_t> z(n), want(n), got(n);
      for (int i = 0; i < n; ++i) z[i] = static_cast<std::uint16_t>(i % 3 == 0 ? lo + span - 1 + i % 5 : i * 2654435761u >> 16);
      detail::threshold_interval_row(z.data(), want.data(), n, lo, span, CpuIsa::generic);
      for (int i = 0; i < n; ++i) ASSERT_EQ(want[i], std::uint16_t(z[i] - lo) <= span ? z[i] : 0);
      for (CpuIsa isa : {CpuIsa::sse2, CpuIsa::avx2}) {
        std::fill(got.begin(), got.end(), std::uint16_t(7));
        detail::threshold_interval_row(z.data(), got.data(), n, lo, span, isa);
        EXPECT_EQ(got, want) << "lo " << lo << " span " << span << " n " << n << " isa " << int(isa);
      }
    }
  }
}

}  // namespace
}  // namespace robomlx::depth
