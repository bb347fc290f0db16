// SPDX-License-Identifier: Apache-2.0
// Long segments split into pieces (SegmentLayout's split plans, segment_layout_internal.h): the
// plan's levels, run with the portable reducer, give the segments' results (1e-5 relative to the
// largest magnitude; max/min exact); and, on a CUDA GPU, reductions over long segments (the split
// path, the CUDA twin forced on the GPU's stream) against plain loops.
#include <algorithm>
#include <numeric>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "mvmr_test_data.h"
#include "segment_test_data.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/segment_layout.h"
#include "robomlx/sparse/segment_layout_internal.h"
#include "robomlx/sparse/segment_reduce_twins.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

using test::iota;
using test::segment_loop;
using test::to_array;

using test::kOps;

int sum_of(const std::vector<int>& v) { return std::accumulate(v.begin(), v.end(), 0); }

// The suite's stream (plans and the portable reducer run on it).
mx::Stream suite_stream() { return mx::default_stream(mx::default_device()); }

TEST(SegmentSplit, LevelsChainAndBoundPieces) {
  // Pieces of at most 4 rows: 17 rows make 5 pieces, those 2 pieces, and those the segment.
  const std::vector<int> lengths{0, 9, 3, 0, 17, 1, 4, 0};
  auto levels = detail::split_levels(lengths, 4, suite_stream());
  ASSERT_EQ(levels.size(), 3u);
  int rows = sum_of(lengths);
  for (size_t i = 0; i < levels.size(); ++i) {
    EXPECT_EQ(levels[i].total(), rows) << "level " << i;
    mx::eval(levels[i].lengths(), levels[i].ends());
    auto len = levels[i].lengths();
    EXPECT_LE(mx::max(len).item<int>(), 4) << "level " << i;
    // ends is the inclusive cumsum of the lengths (computed on the host).
    EXPECT_CLOSE(exactly_equal(levels[i].ends(), mx::cumsum(len, 0)));
    rows = levels[i].size();
  }
  EXPECT_EQ(levels.back().size(), static_cast<int>(lengths.size()));
  EXPECT_TRUE(detail::split_levels(lengths, 17, suite_stream()).empty());
}

TEST(SegmentSplit, LevelsReduceToTheSegmentsResults) {
  const std::vector<int> lengths{0, 9, 3, 0, 17, 1, 4, 0, 30};
  const int T = sum_of(lengths), D = 3, K = lengths.size();
  auto xv = test::random_values(size_t(T) * D, 11);
  auto x = to_array(xv, {T, D});
  const mx::Stream s = suite_stream();
  auto levels = detail::split_levels(lengths, 4, s);
  ASSERT_FALSE(levels.empty());
  for (auto op : kOps) {
    // What the CUDA path does, with the portable reducer: every level with the op (mean: sums),
    // then mean divides by the true lengths.
    const ReduceOp level_op = op == ReduceOp::mean ? ReduceOp::sum : op;
    mx::array rows = x;
    for (const auto& level : levels) rows = detail::segment_reduce_portable(rows, level.lengths(), level_op, s);
    if (op == ReduceOp::mean) {
      auto len = mx::maximum(to_array(lengths), mx::array(1));
      rows = mx::divide(rows, mx::expand_dims(mx::astype(len, mx::float32), 1));
    }
    auto want = segment_loop(xv, D, iota(T), lengths, op);
    SCOPED_TRACE(to_string(op));
    EXPECT_CLOSE(allclose_scaled(rows, to_array(std::vector<float>(want.begin(), want.end()), {K, D}),
                                 op == ReduceOp::max || op == ReduceOp::min ? 0.0 : 1e-5));
  }
}

TEST(SegmentSplit, HostCheckedLayoutsKnowTheirLongestSegment) {
  const std::vector<int> lengths{2, 700, 0, 5};
  SegmentLayout checked(to_array(lengths), sum_of(lengths));
  EXPECT_EQ(checked.max_length(), 700);
  SegmentLayout lazy(to_array(lengths), sum_of(lengths), IndexCheck::none);
  EXPECT_FALSE(lazy.max_length().has_value());
  // Over 512 rows at D > 1: a plan, built once and kept; D == 1 needs over 256k (a kept layout).
  const mx::Stream s = suite_stream();
  const auto* plan = detail::SegmentLayoutAccess::split_plan(checked, 8, s);
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan, detail::SegmentLayoutAccess::split_plan(checked, 8, s));
  EXPECT_EQ(detail::SegmentLayoutAccess::split_plan(checked, 1, s), nullptr);
  EXPECT_EQ(detail::SegmentLayoutAccess::split_plan(lazy, 8, s), nullptr);
  auto offsets = SegmentLayout::from_offsets(to_array(std::vector<int>{0, 2, 702, 702, 707}));
  EXPECT_EQ(offsets.max_length(), 700);
  // D == 1 at 300k rows: a kept layout splits, a single call's layout (faulting its plan's arrays
  // in once for one reduction) does not.
  const std::vector<int> long1{300000, 5};
  SegmentLayout kept(to_array(long1), 300005);
  EXPECT_NE(detail::SegmentLayoutAccess::split_plan(kept, 1, s), nullptr);
  auto host = detail::check_lengths("test", to_array(long1), 300005, "total", s);
  auto once = detail::SegmentLayoutAccess::per_call(to_array(long1), 300005, host, s);
  EXPECT_EQ(detail::SegmentLayoutAccess::split_plan(once, 1, s), nullptr);
  EXPECT_NE(detail::SegmentLayoutAccess::split_plan(once, 8, s), nullptr);
}

// On a CUDA GPU (the only implementation that splits): long segments at D == 1 and D == 64,
// plain and indexed, against loops; the gradient against the portable path's.
TEST(SegmentSplit, CudaLongSegmentsMatchLoops) {
  ROBOMLX_STREAM_OR_SKIP(gpu, Impl::cuda);  // the split path is the CUDA twin's
  ScopedImpl cuda(Impl::cuda, "sparse.segment_reduce");
  ImplTrace trace;
  struct Case {
    std::vector<int> lengths;
    int D;
  };
  for (const auto& c : {Case{{0, 4200000, 5, 0, 70000, 3}, 1}, Case{{900, 0, 3000, 7, 2600}, 64}}) {
    const int T = sum_of(c.lengths), K = c.lengths.size();
    auto xv = test::random_values(size_t(T) * c.D, 5);
    auto x = to_array(xv, {T, c.D});
    SegmentLayout layout(to_array(c.lengths), T, IndexCheck::host, gpu);
    ASSERT_NE(detail::SegmentLayoutAccess::split_plan(layout, c.D, gpu), nullptr);
    for (auto op : kOps) {
      auto want = segment_loop(xv, c.D, iota(T), c.lengths, op);
      auto ref = to_array(std::vector<float>(want.begin(), want.end()), {K, c.D});
      const double tol = op == ReduceOp::max || op == ReduceOp::min ? 0.0 : 1e-5;
      SCOPED_TRACE(std::string(to_string(op)) + " D=" + std::to_string(c.D));
      EXPECT_CLOSE(allclose_scaled(segment_reduce(x, layout, op, gpu), ref, tol));
      // The lengths overload (host-checked by default) splits too.
      EXPECT_CLOSE(allclose_scaled(segment_reduce(x, to_array(c.lengths), op, IndexCheck::host, gpu), ref, tol));
      // Indexed: the rows in reverse order through indices.
      std::vector<int> rev(T);
      for (int i = 0; i < T; ++i) rev[i] = T - 1 - i;
      auto xr = mx::take(x, to_array(rev), 0);
      auto y = indexed_segment_reduce(xr, to_array(rev), layout, op, IndexCheck::host, gpu);
      EXPECT_CLOSE(allclose_scaled(y, ref, tol));
    }
    // Gradient of a weighted sum of the outputs: the backward does not depend on the forward's
    // implementation, but max/min read the forward's values for their ties.
    auto w = mx::random::normal({K, c.D}, mx::float32, 0.f, 1.f, mx::random::key(3));
    for (auto op : kOps) {
      auto f = [&](const mx::array& v) { return mx::sum(mx::multiply(segment_reduce(v, layout, op, gpu), w)); };
      auto g = mx::grad(f)(x);
      mx::array g_ref = g;
      {
        ScopedImpl portable(Impl::portable, "sparse.segment_reduce");
        g_ref = mx::grad(f)(x);
      }
      SCOPED_TRACE(to_string(op));
      EXPECT_CLOSE(allclose_scaled(g, g_ref, 1e-5));
    }
  }
  EXPECT_TRUE(trace.ran(Impl::cuda, "sparse.segment_reduce")) << trace.summary();
}

}  // namespace
}  // namespace robomlx::sparse
