// SPDX-License-Identifier: Apache-2.0
// Segment reductions against plain loops at upstream's sizes (T = 1000, K = 50, lengths
// 1..14 with lengths[0] = 50, C in {1, 3, 4, 7, 8, 13, 16, 64, 128}), per implementation (each
// forced on its own stream and asserted to have run), with the documented empty-segment value (0)
// and tie rule (equal split); each twin against the portable path on the twin's stream.
#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/transforms.h>

#include "mvmr_test_data.h"
#include "segment_test_data.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/segment_layout.h"
#include "robomlx/sparse/segment_reduce.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

using test::to_array;

// y[k] and d<y, w>/dx by plain loops over the rows `rows` (indices into x [T, C]).
struct Reference {
  std::vector<double> y, grad;
};

Reference reference(const std::vector<float>& x, int C, const std::vector<int>& rows, const std::vector<int>& lengths,
                    const std::vector<float>& w, ReduceOp op) {
  int K = lengths.size();
  Reference r{std::vector<double>(size_t(K) * C, 0.0), std::vector<double>(x.size(), 0.0)};
  int off = 0;
  for (int k = 0; k < K; ++k) {
    int len = lengths[k];
    for (int c = 0; c < C; ++c) {
      if (len == 0) continue;
      double acc = op == ReduceOp::max ? -1e300 : op == ReduceOp::min ? 1e300 : 0.0;
      for (int p = off; p < off + len; ++p) {
        double v = x[size_t(rows[p]) * C + c];
        acc = op == ReduceOp::max ? std::max(acc, v) : op == ReduceOp::min ? std::min(acc, v) : acc + v;
      }
      if (op == ReduceOp::mean) acc /= len;
      r.y[size_t(k) * C + c] = acc;
      double g = w[size_t(k) * C + c];
      int ties = 0;
      for (int p = off; p < off + len; ++p) ties += x[size_t(rows[p]) * C + c] == acc;
      for (int p = off; p < off + len; ++p) {
        double v = x[size_t(rows[p]) * C + c];
        double share = op == ReduceOp::sum ? g : op == ReduceOp::mean ? g / len : (v == acc ? g / ties : 0.0);
        r.grad[size_t(rows[p]) * C + c] += share;
      }
    }
    off += len;
  }
  return r;
}

std::vector<int> upstream_lengths(int K, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> len(1, 14);
  std::vector<int> l(K);
  for (auto& v : l) v = len(rng);
  l[0] = 50;
  return l;
}

// Unique values (upstream adds arange * 1e-5) so max/min have no ties.
std::vector<float> tie_free(size_t n, unsigned seed) {
  auto v = test::random_values(n, seed);
  for (size_t i = 0; i < n; ++i) v[i] += 1e-5f * i;
  return v;
}

using test::kOps;

// Forces the segment reductions only (plain and indexed share the tag); core helpers choose for
// themselves.
class SegmentReduceImpl : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse.segment_reduce"; }
};

void check_case(const std::vector<float>& xv, int T, int C, const std::vector<int>& rows,
                const std::vector<int>& lengths, bool indexed, ReduceOp op, mx::Stream s) {
  int K = lengths.size();
  auto w = test::random_values(size_t(K) * C, 99);
  auto ref = reference(xv, C, rows, lengths, w, op);
  auto x = to_array(xv, {T, C});
  auto idx = to_array(rows), len = to_array(lengths);
  auto f = [&](const mx::array& xx) {
    return indexed ? indexed_segment_reduce(xx, idx, len, op, IndexCheck::host, s)
                   : segment_reduce(xx, len, op, IndexCheck::host, s);
  };
  auto y = f(x);
  auto g = mx::grad([&](const mx::array& xx) { return mx::sum(mx::multiply(f(xx), to_array(w, {K, C}))); })(x);
  SCOPED_TRACE(std::string(to_string(op)) + " C=" + std::to_string(C) + (indexed ? " indexed" : ""));
  EXPECT_CLOSE(allclose_scaled(y, to_array(ref.y, {K, C}), 1e-4));
  EXPECT_CLOSE(allclose_scaled(g, to_array(ref.grad, {T, C}), 1e-3));
}

TEST_P(SegmentReduceImpl, MatchesLoopAtUpstreamSizes) {
  const int T = 1000, K = 50;
  auto lengths = upstream_lengths(K, 9527);
  int L = std::accumulate(lengths.begin(), lengths.end(), 0);
  // Indexed: unique indices (a random permutation prefix), as upstream.
  std::vector<int> perm(T);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), std::mt19937(1));
  perm.resize(L);
  std::vector<int> identity(L);
  std::iota(identity.begin(), identity.end(), 0);
  for (int C : {1, 3, 4, 7, 8, 13, 16, 64, 128}) {
    auto xv = tie_free(size_t(T) * C, C);
    std::vector<float> contiguous(xv.begin(), xv.begin() + size_t(L) * C);
    for (auto op : kOps) {
      check_case(xv, T, C, perm, lengths, true, op, stream());
      check_case(contiguous, L, C, identity, lengths, false, op, stream());
    }
  }
}

TEST_P(SegmentReduceImpl, EmptySegmentsGiveZeroAndNoGradient) {
  std::vector<int> lengths{0, 3, 0, 0, 2, 0};
  std::vector<float> xv{-5, -6, -7, 8, 9};  // all-negative max and positive min would expose +-inf
  std::vector<int> rows{0, 1, 2, 3, 4};
  for (auto op : kOps) {
    check_case(xv, 5, 1, rows, lengths, false, op, stream());
    check_case(xv, 5, 1, rows, lengths, true, op, stream());
  }
}

TEST_P(SegmentReduceImpl, TiedExtremaSplitTheGradient) {
  // Segment 0 has a three-way tie for the max and a two-way tie for the min.
  std::vector<float> xv{2, 5, 1, 5, 5, 1, 7};
  std::vector<int> lengths{6, 1};
  auto x = to_array(xv, {7});
  auto len = to_array(lengths);
  auto reduce = [&](const mx::array& v, ReduceOp op) { return segment_reduce(v, len, op, IndexCheck::host, stream()); };
  auto gmax = mx::grad([&](const mx::array& v) { return mx::sum(reduce(v, ReduceOp::max)); })(x);
  auto gmin = mx::grad([&](const mx::array& v) { return mx::sum(reduce(v, ReduceOp::min)); })(x);
  float t = 1.f / 3.f;
  EXPECT_CLOSE(allclose_scaled(gmax, to_array(std::vector<float>{0, t, 0, t, t, 0, 1}, {7}), 1e-6));
  EXPECT_CLOSE(allclose_scaled(gmin, to_array(std::vector<float>{0, 0, .5f, 0, 0, .5f, 1}, {7}), 1e-6));
  // Indexed: a duplicated index holding the max collects one share per occurrence.
  auto idx = to_array(std::vector<int>{1, 1, 0, 6});
  auto gi = mx::grad([&](const mx::array& v) {
    return mx::sum(
        indexed_segment_reduce(v, idx, to_array(std::vector<int>{3, 1}), ReduceOp::max, IndexCheck::host, stream()));
  })(x);
  EXPECT_CLOSE(allclose_scaled(gi, to_array(std::vector<float>{0, 1, 0, 0, 0, 0, 1}, {7}), 1e-6));
}

TEST_P(SegmentReduceImpl, FiniteDifferenceGradient) {
  std::vector<int> lengths{3, 0, 4, 1};
  auto len = to_array(lengths);
  auto idx = to_array(std::vector<int>{5, 0, 2, 7, 1, 1, 3, 6});
  auto x = to_array(tie_free(8 * 3, 5), {8, 3});
  for (auto op : kOps) {
    SCOPED_TRACE(to_string(op));
    EXPECT_CLOSE(check_gradient(
        [&](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{segment_reduce(in[0], len, op, IndexCheck::none, stream())};
        },
        {x}, {0}));
    EXPECT_CLOSE(check_gradient(
        [&](const std::vector<mx::array>& in) {
          return std::vector<mx::array>{indexed_segment_reduce(in[0], idx, len, op, IndexCheck::none, stream())};
        },
        {x}, {0}));
  }
}

TEST_P(SegmentReduceImpl, SingleHugeSegmentAndTrailingDims) {
  const int T = 200000;
  auto xv = tie_free(T, 3);
  std::vector<int> rows(T);
  std::iota(rows.begin(), rows.end(), 0);
  for (auto op : kOps) {
    auto w = test::random_values(1, 99);
    auto ref = reference(xv, 1, rows, {T}, w, op);
    auto y = segment_reduce(to_array(xv, {T}), to_array(std::vector<int>{T}), op, IndexCheck::host, stream());
    EXPECT_EQ(y.shape(), (mx::Shape{1}));
    EXPECT_CLOSE(allclose_scaled(y, to_array(ref.y, {1}), 1e-4));
  }
  // [T, 2, 3] reduces element-wise over the trailing dims.
  auto x = mx::reshape(mx::arange(24, mx::float32), {4, 2, 3});
  auto y = segment_reduce(x, to_array(std::vector<int>{1, 3}), ReduceOp::sum, IndexCheck::host, stream());
  EXPECT_EQ(y.shape(), (mx::Shape{2, 2, 3}));
  auto expected = mx::stack({mx::take(x, 0, 0), mx::sum(mx::slice(x, {1, 0, 0}, {4, 2, 3}), 0)}, 0);
  EXPECT_CLOSE(exactly_equal(y, expected));
}

TEST_P(SegmentReduceImpl, RandomCutsOverManyTilesAndOddOffset) {
  // Contiguous D == 1 over several of the CUDA kernel's tiles (2048 values): random lengths with
  // empties (runs of them at both ends), one segment longer than a tile, T not a multiple of 4;
  // x is also read from element 1 of a larger buffer, which takes the kernel's scalar-load path.
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> len(0, 60);
  std::vector<int> lengths{0, 0, 0};
  for (int k = 0; k < 500; ++k) lengths.push_back(len(rng) < 10 ? 0 : len(rng));
  lengths.push_back(6000);
  for (int k = 0; k < 100; ++k) lengths.push_back(len(rng));
  lengths.insert(lengths.end(), {0, 0});
  const int T = std::accumulate(lengths.begin(), lengths.end(), 0), K = lengths.size();
  ASSERT_GT(T, 3 * 4096);
  ASSERT_NE(T % 4, 0);
  auto buffer = tie_free(size_t(T) + 1, 8);
  std::vector<int> rows(T);
  std::iota(rows.begin(), rows.end(), 0);
  auto w = test::random_values(K, 99);
  for (int offset : {0, 1}) {
    std::vector<float> xv(buffer.begin() + offset, buffer.begin() + offset + T);
    auto x = mx::slice(to_array(buffer, {T + 1}), {offset}, {offset + T});
    for (auto op : kOps) {
      SCOPED_TRACE(std::string(to_string(op)) + " offset " + std::to_string(offset));
      auto ref = reference(xv, 1, rows, lengths, w, op);
      auto y = segment_reduce(x, to_array(lengths), op, IndexCheck::host, stream());
      EXPECT_CLOSE(allclose_scaled(y, to_array(ref.y, {K}), 1e-5));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, SegmentReduceImpl,
                         ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// Each twin against the portable path on the twin's own stream (the CPU twin on a CPU stream also
// on a GPU run, the CUDA twin on the GPU), plain and indexed.
class SegmentReduceTwin : public SegmentReduceImpl {};

TEST_P(SegmentReduceTwin, MatchesPortable) {
  std::mt19937 rng(4);
  std::uniform_int_distribution<int> len(0, 40);
  std::vector<int> lengths(3000);
  for (auto& l : lengths) l = len(rng);
  int T = std::accumulate(lengths.begin(), lengths.end(), 0);
  auto x = to_array(test::random_values(size_t(T) * 5, 6), {T, 5});
  std::vector<int> rows(T);
  for (int i = 0; i < T; ++i) rows[i] = (i * 7 + 3) % T;
  auto idx = to_array(rows);
  for (auto op : kOps) {
    for (bool indexed : {false, true}) {
      auto run = [&] {
        auto y = indexed ? indexed_segment_reduce(x, idx, to_array(lengths), op, IndexCheck::host, stream())
                         : segment_reduce(x, to_array(lengths), op, IndexCheck::host, stream());
        mx::eval(y);
        return y;
      };
      auto twin = run();  // forced by the fixture
      auto p = ::robomlx::test::run_forced(Impl::portable, "sparse.segment_reduce", run);
      SCOPED_TRACE(std::string(to_string(op)) + (indexed ? " indexed" : ""));
      EXPECT_CLOSE(allclose_scaled(twin, p, 1e-5));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Twins, SegmentReduceTwin, ::testing::Values(Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The stream decides, not the default device: on a GPU run an explicit CPU stream, on a CPU-only
// run a new CPU stream that is not the default one. The lengths check, the CPU twin (forward,
// over a per-call layout and over a SegmentLayout built for that stream) and the gradient run there.
TEST(SegmentReduce, CpuTwinRunsOnTheCallersCpuStream) {
  const bool gpu_default = mx::default_device() == mx::Device::gpu;
  const mx::Stream s = gpu_default ? mx::default_stream(mx::Device::cpu) : mx::new_stream(mx::Device::cpu);
  ASSERT_NE(s, mx::default_stream(mx::default_device()));
  const std::vector<int> lengths{3, 0, 5, 2};
  const int T = 10, D = 4, K = lengths.size();
  auto xv = test::random_values(size_t(T) * D, 41);
  auto x = to_array(xv, {T, D});
  SegmentLayout layout(to_array(lengths), T, IndexCheck::host, s);
  EXPECT_FALSE(layout.cuda_tile_table().has_value());
  ImplTrace trace;
  auto y = segment_reduce(x, to_array(lengths), ReduceOp::max, IndexCheck::host, s);
  auto yl = segment_reduce(x, layout, ReduceOp::mean, s);
  auto g = mx::grad([&](const mx::array& v) { return mx::sum(segment_reduce(v, layout, ReduceOp::sum, s)); })(x);
  ASSERT_TRUE(y.has_primitive());
  EXPECT_EQ(y.primitive().stream(), s);  // before evaluation detaches the graph
  mx::eval(y, yl, g);
  EXPECT_EQ(trace.count(Impl::cpu, "sparse.segment_reduce"), trace.count(Impl::cpu, "sparse.")) << trace.summary();
  EXPECT_GE(trace.count(Impl::cpu, "sparse.segment_reduce"), 3) << trace.summary();
  EXPECT_FALSE(trace.ran(Impl::portable, "sparse.") || trace.ran(Impl::cuda, "sparse.")) << trace.summary();
  auto rows = test::iota(T);
  EXPECT_CLOSE(allclose_scaled(y, to_array(test::segment_loop(xv, D, rows, lengths, ReduceOp::max), {K, D}), 1e-6));
  EXPECT_CLOSE(allclose_scaled(yl, to_array(test::segment_loop(xv, D, rows, lengths, ReduceOp::mean), {K, D}), 1e-6));
  EXPECT_CLOSE(exactly_equal(g, mx::ones({T, D})));
}

TEST(SegmentReduce, HalfPrecisionAndInt64) {
  auto x = mx::astype(to_array(test::random_values(60 * 4, 7), {60, 4}), mx::float16);
  auto len = mx::astype(to_array(std::vector<int>{10, 20, 0, 30}), mx::int64);
  auto y = segment_reduce(x, len, ReduceOp::mean);
  EXPECT_EQ(y.dtype(), mx::float16);
  auto ref = segment_reduce(mx::astype(x, mx::float32), to_array(std::vector<int>{10, 20, 0, 30}), ReduceOp::mean);
  EXPECT_CLOSE(allclose_scaled(y, ref, 2e-3));
}

TEST(SegmentReduce, BadInputNamesTheArgument) {
  auto x = mx::zeros({10, 2});
  EXPECT_THROW_MSG(segment_reduce(x, to_array(std::vector<int>{4, -1, 7}), ReduceOp::sum), std::invalid_argument,
                   "[sparse.segment_reduce] lengths must be >= 0, got -1 at position 1");
  EXPECT_THROW_MSG(segment_reduce(x, to_array(std::vector<int>{4, 5}), ReduceOp::sum), std::invalid_argument,
                   "[sparse.segment_reduce] lengths must sum to x.shape[0] (10), got 9");
  EXPECT_THROW_MSG(segment_reduce(x, mx::zeros({2}), ReduceOp::sum), std::invalid_argument,
                   "[sparse.segment_reduce] lengths");
  EXPECT_THROW_MSG(segment_reduce(mx::zeros({10}, mx::int32), to_array(std::vector<int>{10}), ReduceOp::sum),
                   std::invalid_argument, "[sparse.segment_reduce] x");
  EXPECT_THROW_MSG(segment_reduce(mx::array(1.f), to_array(std::vector<int>{1}), ReduceOp::sum), std::invalid_argument,
                   "[sparse.segment_reduce] x");
  auto idx = to_array(std::vector<int>{0, 9, 10});
  EXPECT_THROW_MSG(indexed_segment_reduce(x, idx, to_array(std::vector<int>{3}), ReduceOp::max), std::invalid_argument,
                   "[sparse.indexed_segment_reduce] indices must be in [0, 10), got 10 at position 2");
  EXPECT_THROW_MSG(indexed_segment_reduce(x, to_array(std::vector<int>{0, 1}), to_array(std::vector<int>{3}),
                                          ReduceOp::max),
                   std::invalid_argument,
                   "[sparse.indexed_segment_reduce] lengths must sum to the number of indices (2), got 3");
  EXPECT_THROW_MSG(indexed_segment_reduce(x, mx::zeros({2}, mx::uint8), to_array(std::vector<int>{2}), ReduceOp::max),
                   std::invalid_argument, "[sparse.indexed_segment_reduce] indices");
}

}  // namespace
}  // namespace robomlx::sparse
