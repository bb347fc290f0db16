// SPDX-License-Identifier: Apache-2.0
// Ragged helpers against plain loops.
#include <numeric>
#include <random>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/ragged.h"
#include "support.h"

namespace robomlx {
namespace {

std::vector<int> host_ints(const mx::array& a) {
  auto c = mx::astype(a, mx::int32);
  mx::eval(c);
  return std::vector<int>(c.data<int>(), c.data<int>() + c.size());
}

mx::array ints(const std::vector<int>& v) { return mx::array(v.data(), {int(v.size())}, mx::int32); }

std::vector<int> random_lengths(int n, int max_len, unsigned seed, double empty_fraction) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> len(1, max_len);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int> out(n);
  for (auto& l : out) l = u(rng) < empty_fraction ? 0 : len(rng);
  return out;
}

TEST(Ragged, OffsetsAndLengthsRoundTrip) {
  auto lengths = random_lengths(257, 9, 1, 0.2);
  std::vector<int> expected{0};
  for (int l : lengths) expected.push_back(expected.back() + l);
  auto offsets = lengths_to_offsets(ints(lengths));
  EXPECT_EQ(host_ints(offsets), expected);
  EXPECT_EQ(host_ints(offsets_to_lengths(offsets)), lengths);
}

TEST(Ragged, SegmentIdsMatchLoopWithEmptySegments) {
  for (double empty : {0.0, 0.3, 0.9}) {
    auto lengths = random_lengths(300, 7, 2, empty);
    lengths.front() = 0;  // leading and trailing empty segments are the tricky ones
    lengths.back() = 0;
    std::vector<int> expected;
    for (int i = 0; i < int(lengths.size()); ++i) expected.insert(expected.end(), lengths[i], i);
    auto offsets = lengths_to_offsets(ints(lengths));
    EXPECT_EQ(host_ints(segment_ids(offsets, int(expected.size()))), expected) << "empty fraction " << empty;
    EXPECT_EQ(host_ints(segment_ids(offsets)), expected);
  }
}

TEST(Ragged, SegmentIdsSingleHugeSegmentAndAllEmpty) {
  EXPECT_EQ(host_ints(segment_ids(ints({0, 100000}))), std::vector<int>(100000, 0));
  EXPECT_EQ(segment_ids(ints({0, 0, 0, 0}), 0).size(), 0u);
}

TEST(Ragged, RepeatInterleaveRowsMatchLoop) {
  auto lengths = random_lengths(50, 5, 3, 0.25);
  std::vector<float> values(50 * 3);
  std::iota(values.begin(), values.end(), 0.f);
  std::vector<float> expected;
  for (int i = 0; i < 50; ++i) {
    for (int r = 0; r < lengths[i]; ++r) expected.insert(expected.end(), &values[i * 3], &values[i * 3 + 3]);
  }
  auto out = repeat_interleave(mx::array(values.data(), {50, 3}), ints(lengths));
  mx::eval(out);
  ASSERT_EQ(out.shape(1), 3);
  EXPECT_EQ(std::vector<float>(out.data<float>(), out.data<float>() + out.size()), expected);
}

TEST(Ragged, CumsumInclusiveExclusive) {
  std::vector<int> v{3, 0, 5, 1, 250};
  auto u8 = mx::astype(ints(v), mx::uint8);
  EXPECT_EQ(host_ints(inclusive_cumsum(u8)), (std::vector<int>{3, 3, 8, 9, 259}));  // no uint8 wrap
  EXPECT_EQ(host_ints(exclusive_cumsum(u8)), (std::vector<int>{0, 3, 3, 8, 9}));
}

TEST(Ragged, ValidationNamesTheProblem) {
  EXPECT_THROW_MSG(validate_lengths("sparse.test", "lengths", ints({2, -1, 3})), std::invalid_argument,
                   "lengths must be non-negative");
  EXPECT_THROW_MSG(validate_offsets("sparse.test", "offsets", ints({0, 4, 2})), std::invalid_argument,
                   "non-decreasing");
  EXPECT_THROW_MSG(validate_offsets("sparse.test", "offsets", ints({1, 4})), std::invalid_argument, "[0] must be 0");
  EXPECT_THROW_MSG(lengths_to_offsets(mx::array({1.f, 2.f})), std::invalid_argument, "integer dtype");
  EXPECT_THROW_MSG(Ragged::from_lengths(mx::zeros({5, 2}), ints({2, 2})), std::invalid_argument, "must end at 5");
  auto r = Ragged::from_lengths(mx::zeros({5, 2}), ints({2, 0, 3}));
  EXPECT_EQ(r.num_segments(), 3);
  EXPECT_EQ(host_ints(r.row_segment_ids()), (std::vector<int>{0, 0, 2, 2, 2}));
}

// Offsets and segment ids through each prefix-sum implementation (portable MLX cumsum, the
// CUDA twin on a CUDA GPU), at sizes around the twin's 2048-element chunks and one large one.
class RaggedImpl : public test::ImplTest {};

TEST_P(RaggedImpl, OffsetsAndSegmentIdsMatchLoopsAcrossChunkSizes) {
  for (int n : {1, 2, 2047, 2048, 2049, 6000, 300000}) {
    auto lengths = random_lengths(n, 9, unsigned(n), 0.25);
    std::vector<int> offsets{0}, ids;
    for (int i = 0; i < n; ++i) {
      offsets.push_back(offsets.back() + lengths[i]);
      ids.insert(ids.end(), lengths[i], i);
    }
    auto got = lengths_to_offsets(ints(lengths), stream());
    EXPECT_EQ(host_ints(got), offsets) << "n=" << n;
    EXPECT_EQ(host_ints(segment_ids(got, offsets.back(), stream())), ids) << "n=" << n;
    EXPECT_EQ(host_ints(inclusive_cumsum(ints(lengths), 0, std::nullopt, stream())),
              std::vector<int>(offsets.begin() + 1, offsets.end())) << "n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, RaggedImpl, ::testing::Values(Impl::portable, Impl::cuda),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace robomlx
