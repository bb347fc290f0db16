// SPDX-License-Identifier: Apache-2.0
// SegmentLayout: reductions over a prepared layout against plain loops (forward: 1e-5 relative
// to the largest magnitude; gradients: check_gradient's central finite differences), per
// implementation (each forced on its own stream, layouts built for that stream), with empty
// segments at the front, in the middle and at the back; one layout reused for several arrays;
// from_offsets == from lengths; the CUDA table only for CUDA streams; bad input.
#include <algorithm>
#include <numeric>

#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "mvmr_test_data.h"
#include "segment_test_data.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/segment_layout.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

using test::iota;
using test::segment_loop;
using test::to_array;

using test::kOps;

// Empty segments at the front, in the middle (a run of them) and at the back.
const std::vector<int> kLengths{0, 0, 3, 0, 5, 1, 0, 0, 4, 2, 0, 0};

int sum_of(const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0); }

class SegmentLayoutImpl : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse.segment_reduce"; }
  SegmentLayout make_layout(const std::vector<int>& lengths, int total, IndexCheck check = IndexCheck::host) const {
    return SegmentLayout(to_array(lengths), total, check, stream());
  }
};

TEST_P(SegmentLayoutImpl, MatchesLoopWithEmptySegments) {
  const int T = sum_of(kLengths), K = kLengths.size();
  auto layout = make_layout(kLengths, T);
  EXPECT_EQ(layout.size(), K);
  EXPECT_EQ(layout.total(), T);
  // D = 1 as [T] and [T, 1], D = 6 as trailing dims [T, 2, 3].
  for (mx::Shape shape : {mx::Shape{T}, mx::Shape{T, 1}, mx::Shape{T, 2, 3}}) {
    int D = 1;
    for (size_t i = 1; i < shape.size(); ++i) D *= shape[i];
    auto xv = test::random_values(size_t(T) * D, 11 + D);
    auto x = to_array(xv, shape);
    mx::Shape out_shape = shape;
    out_shape[0] = K;
    for (auto op : kOps) {
      SCOPED_TRACE(std::string(to_string(op)) + " D=" + std::to_string(D) + " ndim=" + std::to_string(shape.size()));
      auto y = segment_reduce(x, layout, op, stream());
      EXPECT_EQ(y.shape(), out_shape);
      EXPECT_CLOSE(allclose_scaled(y, to_array(segment_loop(xv, D, iota(T), kLengths, op), out_shape), 1e-5));
    }
  }
}

TEST_P(SegmentLayoutImpl, OneLayoutServesManyArrays) {
  const int T = sum_of(kLengths), K = kLengths.size();
  auto layout = make_layout(kLengths, T);
  // Three arrays (two with D = 1, one with D = 4), reduced in one evaluation: each must get its
  // own result, not the first one's.
  std::vector<std::vector<float>> xs{test::random_values(T, 1), test::random_values(T, 2),
                                     test::random_values(size_t(T) * 4, 3)};
  for (auto op : kOps) {
    std::vector<mx::array> ys;
    for (const auto& xv : xs) {
      int D = xv.size() / T;
      ys.push_back(segment_reduce(to_array(xv, {T, D}), layout, op, stream()));
    }
    mx::eval(ys);
    for (size_t i = 0; i < xs.size(); ++i) {
      int D = xs[i].size() / T;
      SCOPED_TRACE(std::string(to_string(op)) + " array " + std::to_string(i));
      EXPECT_CLOSE(allclose_scaled(ys[i], to_array(segment_loop(xs[i], D, iota(T), kLengths, op), {K, D}), 1e-5));
    }
  }
  // Evaluated arrays are reused: a later reduction still gives the right answer.
  auto late = test::random_values(T, 4);
  EXPECT_CLOSE(allclose_scaled(segment_reduce(to_array(late, {T}), layout, ReduceOp::sum, stream()),
                               to_array(segment_loop(late, 1, iota(T), kLengths, ReduceOp::sum), {K}), 1e-5));
}

TEST_P(SegmentLayoutImpl, FromOffsetsEqualsFromLengths) {
  const int T = sum_of(kLengths);
  std::vector<int> offsets{0};
  for (int l : kLengths) offsets.push_back(offsets.back() + l);
  auto a = make_layout(kLengths, T);
  for (auto check : {IndexCheck::host, IndexCheck::none}) {
    for (auto b : {SegmentLayout::from_offsets(to_array(offsets), check, stream()),
                   SegmentLayout::from_offsets(mx::astype(to_array(offsets), mx::int64), T, check, stream())}) {
      EXPECT_EQ(b.size(), a.size());
      EXPECT_EQ(b.total(), T);
      EXPECT_EQ(b.lengths().dtype(), mx::int32);
      EXPECT_CLOSE(exactly_equal(b.lengths(), a.lengths()));
      EXPECT_CLOSE(exactly_equal(b.ends(), a.ends()));
      auto x = to_array(test::random_values(size_t(T) * 3, 5), {T, 3});
      // Same layout, same result: exactly for max/min; sums to float rounding (the portable path's
      // scatter_add accumulates in a nondeterministic order on a GPU).
      for (auto op : kOps) {
        auto yb = segment_reduce(x, b, op, stream()), ya = segment_reduce(x, a, op, stream());
        if (op == ReduceOp::max || op == ReduceOp::min) EXPECT_CLOSE(exactly_equal(yb, ya));
        else EXPECT_CLOSE(allclose_scaled(yb, ya, 1e-6));
      }
    }
  }
  // ends is the inclusive cumsum.
  EXPECT_CLOSE(exactly_equal(a.ends(), to_array(std::vector<int>(offsets.begin() + 1, offsets.end()))));
}

TEST_P(SegmentLayoutImpl, FiniteDifferenceGradient) {
  const std::vector<int> lengths{0, 3, 0, 4, 1, 0};
  auto layout = make_layout(lengths, 8);
  auto idx = to_array(std::vector<int>{5, 0, 2, 7, 1, 1, 3, 6});
  // Unique values so max/min have no ties (the finite difference is then well defined).
  auto xv = test::random_values(8 * 3, 5);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] += 1e-5f * i;
  auto x = to_array(xv, {8, 3});
  for (auto op : kOps) {
    SCOPED_TRACE(to_string(op));
    EXPECT_CLOSE(check_gradient(
        [&](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{segment_reduce(in[0], layout, op, stream())};
        },
        {x}, {0}));
    EXPECT_CLOSE(check_gradient(
        [&](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{indexed_segment_reduce(in[0], idx, layout, op, IndexCheck::none, stream())};
        },
        {x}, {0}));
  }
}

TEST_P(SegmentLayoutImpl, IndexedMatchesLoop) {
  const int P = 9, D = 4, L = sum_of(kLengths), K = kLengths.size();
  std::vector<int> rows(L);
  for (int i = 0; i < L; ++i) rows[i] = (i * 5 + 2) % P;  // duplicates included
  auto xv = test::random_values(size_t(P) * D, 8);
  auto layout = make_layout(kLengths, L);
  for (auto op : kOps) {
    SCOPED_TRACE(to_string(op));
    auto y = indexed_segment_reduce(to_array(xv, {P, D}), to_array(rows), layout, op, IndexCheck::host, stream());
    EXPECT_CLOSE(allclose_scaled(y, to_array(segment_loop(xv, D, rows, kLengths, op), {K, D}), 1e-5));
  }
}

TEST_P(SegmentLayoutImpl, CompiledAndDifferentiatedOverACapturedLayout) {
  // The layout's arrays enter the graph as inputs of the reduction, so a compiled function that
  // captures the layout gives each call's own result, and so does its gradient.
  const int T = sum_of(kLengths), K = kLengths.size();
  auto layout = make_layout(kLengths, T);
  auto f = mx::compile([&](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{segment_reduce(in[0], layout, ReduceOp::mean, stream())};
  });
  auto g = mx::compile(mx::grad(
      [&](const std::vector<mx::array>& in) { return mx::sum(segment_reduce(in[0], layout, ReduceOp::sum, stream())); },
      0));
  for (unsigned seed : {1u, 2u}) {
    auto xv = test::random_values(size_t(T) * 2, seed);
    auto y = f({to_array(xv, {T, 2})})[0];
    EXPECT_CLOSE(allclose_scaled(y, to_array(segment_loop(xv, 2, iota(T), kLengths, ReduceOp::mean), {K, 2}), 1e-5));
    // d sum(segment sums) / dx = 1 for every row (every row lies in a segment).
    EXPECT_CLOSE(exactly_equal(g({to_array(xv, {T, 2})})[0], mx::ones({T, 2})));
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, SegmentLayoutImpl,
                         ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(SegmentLayout, TableOnlyForCudaStreams) {
  auto lengths = to_array(std::vector<int>{2, 0, 3});
  SegmentLayout on_default(lengths, 5);
  EXPECT_EQ(on_default.cuda_tile_table().has_value(), is_cuda_device(mx::default_device()));
  // An explicit CPU stream builds no table, whatever the default device.
  SegmentLayout on_cpu(lengths, 5, IndexCheck::host, mx::Device::cpu);
  EXPECT_FALSE(on_cpu.cuda_tile_table().has_value());
  EXPECT_CLOSE(exactly_equal(on_cpu.ends(), to_array(std::vector<int>{2, 2, 5})));
  if (auto gpu = ::robomlx::test::stream_for(Impl::cuda)) {
    SegmentLayout on_gpu(lengths, 5, IndexCheck::host, *gpu);
    EXPECT_TRUE(on_gpu.cuda_tile_table().has_value());
  }
}

TEST(SegmentLayout, BadInputNamesTheArgument) {
  const char* tag = "[sparse.SegmentLayout] ";
  EXPECT_THROW_MSG(SegmentLayout(to_array(std::vector<int>{4, -1, 7}), 10), std::invalid_argument,
                   std::string(tag) + "lengths must be >= 0, got -1 at position 1");
  EXPECT_THROW_MSG(SegmentLayout(to_array(std::vector<int>{4, 5}), 10), std::invalid_argument,
                   std::string(tag) + "lengths must sum to total (10), got 9");
  EXPECT_THROW_MSG(SegmentLayout(mx::zeros({2}), 0), std::invalid_argument, std::string(tag) + "lengths");
  EXPECT_THROW_MSG(SegmentLayout(to_array(std::vector<int>{1}), -1), std::invalid_argument,
                   std::string(tag) + "total must be >= 0, got -1");
  EXPECT_THROW_MSG(SegmentLayout::from_offsets(to_array(std::vector<int>{1, 3, 5})), std::invalid_argument,
                   std::string(tag) + "offsets[0] must be 0, got 1");
  EXPECT_THROW_MSG(SegmentLayout::from_offsets(to_array(std::vector<int>{0, 3, 2, 5})), std::invalid_argument,
                   std::string(tag) + "offsets must be non-decreasing, got 2 after 3 at position 2");
  EXPECT_THROW_MSG(SegmentLayout::from_offsets(to_array(std::vector<int>{0, 3, 5}), 6), std::invalid_argument,
                   std::string(tag) + "offsets must end at total (6), got 5");
  EXPECT_THROW_MSG(SegmentLayout::from_offsets(mx::zeros({0}, mx::int32)), std::invalid_argument,
                   std::string(tag) + "offsets must have at least one element");
  EXPECT_THROW_MSG(SegmentLayout::from_offsets(mx::zeros({3})), std::invalid_argument, std::string(tag) + "offsets");
  SegmentLayout layout(to_array(std::vector<int>{4, 6}), 10);
  EXPECT_THROW_MSG(segment_reduce(mx::zeros({9, 2}), layout, ReduceOp::sum), std::invalid_argument,
                   "[sparse.segment_reduce] x.shape[0] must equal the layout's total (10), got 9");
  EXPECT_THROW_MSG(segment_reduce(mx::zeros({10}, mx::int32), layout, ReduceOp::sum), std::invalid_argument,
                   "[sparse.segment_reduce] x");
  EXPECT_THROW_MSG(indexed_segment_reduce(mx::zeros({3, 2}), mx::zeros({9}, mx::int32), layout, ReduceOp::max),
                   std::invalid_argument,
                   "[sparse.indexed_segment_reduce] indices must have the layout's total (10) entries, got 9");
  EXPECT_THROW_MSG(indexed_segment_reduce(mx::zeros({3, 2}), mx::full({10}, 3, mx::int32), layout, ReduceOp::max),
                   std::invalid_argument, "[sparse.indexed_segment_reduce] indices must be in [0, 3), got 3 at position 0");
}

}  // namespace
}  // namespace robomlx::sparse
