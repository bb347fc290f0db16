// SPDX-License-Identifier: Apache-2.0
// MVMR against plain loops at upstream's test sizes (specs/sparse-sim-vision.md A.2), per
// implementation (portable, CPU twin on a CPU stream, CUDA twin on the GPU), each forced and
// asserted to have run; the twins against the portable path on the twin's stream; gradients,
// bad input, and a CPU twin on an explicit CPU stream that is not the default one.
#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/compile.h>
#include <mlx/transforms.h>

#include "mvmr_test_data.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/mvmr.h"
#include "robomlx/sparse/segment_reduce.h"
#include "robomlx/sparse/vvor.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

using test::random_triplets;
using test::random_values;
using test::to_array;

// Forces MVMR and VVOR (MVMR's gradient) together; core helpers choose for themselves.
class MvmrImpl : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse."; }
};

// Upstream sizes: N_a = 125 taps (5^3), N_b = 512, N_o = 1024, G = 1, M = 256, C = 128,
// 1..32 triplets per output (T ~ 17k), in the three orderings upstream tests.
TEST_P(MvmrImpl, MatchesLoopAtUpstreamSizes) {
  const int K = 125, N_b = 512, N_o = 1024, G = 1, C = 128, M = 256;
  auto trip = random_triplets(K, N_b, N_o, 1, 32, 9527);
  auto av = random_values(size_t(K) * G * C * M, 1), bv = random_values(size_t(N_b) * G * C, 2);
  auto expected = to_array(test::mvmr_loop(av, bv, trip, N_o, G, C, M), {N_o, G, M});
  auto a = to_array(av, {K, G, C, M}), b = to_array(bv, {N_b, G, C});
  for (char key : {'a', 'o', 'b'}) {
    auto t = test::sorted_by(trip, key);
    auto out = mvmr(a, b, to_array(t.a), to_array(t.b), to_array(t.o), N_o, IndexCheck::host, stream());
    EXPECT_EQ(out.dtype(), mx::float32);
    SCOPED_TRACE(std::string("sorted by ") + key);
    EXPECT_CLOSE(allclose_scaled(out, expected, 1e-4));
  }
}

TEST_P(MvmrImpl, GroupsMatchLoop) {
  const int K = 27, N_b = 300, N_o = 200, G = 4, C = 8, M = 12;
  auto t = random_triplets(K, N_b, N_o, 0, 9, 5);
  auto av = random_values(size_t(K) * G * C * M, 3), bv = random_values(size_t(N_b) * G * C, 4);
  auto out = mvmr(to_array(av, {K, G, C, M}), to_array(bv, {N_b, G, C}), to_array(t.a), to_array(t.b),
                  to_array(t.o), N_o, IndexCheck::host, stream());
  EXPECT_CLOSE(allclose_scaled(out, to_array(test::mvmr_loop(av, bv, t, N_o, G, C, M), {N_o, G, M}), 1e-4));
}

// grad_a and grad_b of sum(mvmr * W) against loops of upstream's adjoint formulas.
TEST_P(MvmrImpl, GradientsMatchLoops) {
  const int K = 27, N_b = 200, N_o = 300, G = 2, C = 16, M = 24;
  auto t = test::sorted_by(random_triplets(K, N_b, N_o, 1, 12, 7), 'a');
  auto av = random_values(size_t(K) * G * C * M, 8), bv = random_values(size_t(N_b) * G * C, 9);
  auto wv = random_values(size_t(N_o) * G * M, 10);
  auto ai = to_array(t.a), bi = to_array(t.b), oi = to_array(t.o);
  auto w = to_array(wv, {N_o, G, M});
  auto loss = [&](const std::vector<mx::array>& x) {
    return mx::sum(mx::multiply(mvmr(x[0], x[1], ai, bi, oi, N_o, IndexCheck::host, stream()), w));
  };
  auto grads = mx::grad(loss, std::vector<int>{0, 1})({to_array(av, {K, G, C, M}), to_array(bv, {N_b, G, C})});
  // grad_a[k] = sum outer(b[j], w[i]): a VVOR keyed by the taps.
  test::Triplets ta{t.b, t.o, t.a};
  auto expect_a = test::vvor_loop(bv, wv, ta, K, G, C, M);
  // grad_b[j] = sum a[k] @ w[i] over M: an MVMR with the weights transposed.
  std::vector<float> at(av.size());
  for (int k = 0; k < K * G; ++k)
    for (int c = 0; c < C; ++c)
      for (int m = 0; m < M; ++m) at[(size_t(k) * M + m) * C + c] = av[(size_t(k) * C + c) * M + m];
  test::Triplets tb{t.a, t.o, t.b};
  auto expect_b = test::mvmr_loop(at, wv, tb, N_b, G, M, C);
  EXPECT_CLOSE(allclose_scaled(grads[0], to_array(expect_a, {K, G, C, M}), 1e-3));
  EXPECT_CLOSE(allclose_scaled(grads[1], to_array(expect_b, {N_b, G, C}), 1e-3));
}

TEST_P(MvmrImpl, FiniteDifferenceGradient) {
  const int K = 3, N_b = 5, N_o = 4, G = 2, C = 3, M = 2;
  auto t = random_triplets(K, N_b, N_o, 0, 4, 11);
  auto ai = to_array(t.a), bi = to_array(t.b), oi = to_array(t.o);
  auto f = [&](const std::vector<mx::array>& x) {
    return std::vector<mx::array>{mvmr(x[0], x[1], ai, bi, oi, N_o, IndexCheck::none, stream())};
  };
  auto a = to_array(random_values(size_t(K) * G * C * M, 12), {K, G, C, M});
  auto b = to_array(random_values(size_t(N_b) * G * C, 13), {N_b, G, C});
  EXPECT_CLOSE(check_gradient(f, {a, b}, {0, 1}));
}

TEST_P(MvmrImpl, HalfPrecisionAccumulatesInFloat32) {
  const int K = 8, N_b = 64, N_o = 32, G = 1, C = 64, M = 32;
  auto t = random_triplets(K, N_b, N_o, 20, 32, 14);
  auto av = random_values(size_t(K) * C * M, 15), bv = random_values(size_t(N_b) * C, 16);
  for (auto dtype : {mx::float16, mx::bfloat16}) {
    auto a = mx::astype(to_array(av, {K, G, C, M}), dtype), b = mx::astype(to_array(bv, {N_b, G, C}), dtype);
    auto out = mvmr(a, b, to_array(t.a), to_array(t.b), to_array(t.o), N_o, IndexCheck::host, stream());
    EXPECT_EQ(out.dtype(), dtype);
    // The reference sees the same rounded inputs; what remains is the output rounding.
    auto ref = mvmr(mx::astype(a, mx::float32), mx::astype(b, mx::float32), to_array(t.a), to_array(t.b),
                    to_array(t.o), N_o, IndexCheck::host, stream());
    EXPECT_CLOSE(allclose_scaled(out, ref, dtype == mx::float16 ? 2e-3 : 1e-2));
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, MvmrImpl, ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// Each twin against the portable path on the twin's own stream (the CPU twin on a CPU stream also
// on a GPU run, the CUDA twin on the GPU), forward and both gradients.
class MvmrTwin : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse."; }
};

TEST_P(MvmrTwin, MatchesPortableForwardAndBackward) {
  const int K = 27, N_b = 400, N_o = 500, G = 2, C = 32, M = 16;
  auto t = random_triplets(K, N_b, N_o, 1, 20, 17);
  auto ai = to_array(t.a), bi = to_array(t.b), oi = to_array(t.o);
  auto a = to_array(random_values(size_t(K) * G * C * M, 18), {K, G, C, M});
  auto b = to_array(random_values(size_t(N_b) * G * C, 19), {N_b, G, C});
  auto w = to_array(random_values(size_t(N_o) * G * M, 20), {N_o, G, M});
  auto run = [&] {
    auto vg = mx::value_and_grad(
        [&](const std::vector<mx::array>& x) {
          return mx::sum(mx::multiply(mvmr(x[0], x[1], ai, bi, oi, N_o, IndexCheck::host, stream()), w));
        },
        std::vector<int>{0, 1});
    auto [value, grads] = vg({a, b});
    auto out = mvmr(a, b, ai, bi, oi, N_o, IndexCheck::host, stream());
    mx::eval({out, grads[0], grads[1]});
    return std::vector<mx::array>{out, grads[0], grads[1]};
  };
  auto twin = run();  // forced by the fixture
  auto p = ::robomlx::test::run_forced(Impl::portable, "sparse.", run);
  // The CPU twin sums in another order than the portable path; the CUDA twin also in float32 tiles.
  const double tol = GetParam() == Impl::cpu ? 1e-5 : 1e-4;
  EXPECT_CLOSE(allclose_scaled(twin[0], p[0], tol));
  EXPECT_CLOSE(allclose_scaled(twin[1], p[1], tol));
  EXPECT_CLOSE(allclose_scaled(twin[2], p[2], tol));
}

INSTANTIATE_TEST_SUITE_P(Twins, MvmrTwin, ::testing::Values(Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The stream decides, not the default device: on a GPU run an explicit CPU stream (the default
// device is the GPU), on a CPU-only run a new CPU stream that is not the default one; MVMR and
// its gradient (a VVOR) run the CPU twin there, and the result is the loop's.
TEST(Mvmr, CpuTwinRunsOnTheCallersCpuStream) {
  const bool gpu_default = mx::default_device() == mx::Device::gpu;
  const mx::Stream s = gpu_default ? mx::default_stream(mx::Device::cpu) : mx::new_stream(mx::Device::cpu);
  ASSERT_NE(s, mx::default_stream(mx::default_device()));
  const int K = 5, N_b = 40, N_o = 30, G = 1, C = 6, M = 7;
  auto t = random_triplets(K, N_b, N_o, 1, 5, 31);
  auto av = random_values(size_t(K) * C * M, 32), bv = random_values(size_t(N_b) * C, 33);
  auto a = to_array(av, {K, G, C, M}), b = to_array(bv, {N_b, G, C});
  auto ai = to_array(t.a), bi = to_array(t.b), oi = to_array(t.o);
  ImplTrace trace;
  auto out = mvmr(a, b, ai, bi, oi, N_o, IndexCheck::host, s);
  auto ga = mx::grad([&](const mx::array& x) { return mx::sum(mvmr(x, b, ai, bi, oi, N_o, IndexCheck::host, s)); })(a);
  // The op's result node (and the gradient's) is on the caller's stream, not the default one
  // (checked before evaluation detaches the graph).
  ASSERT_TRUE(out.has_primitive() && ga.has_primitive());
  EXPECT_EQ(out.primitive().stream(), s);
  EXPECT_EQ(ga.primitive().stream(), s);
  mx::eval(out, ga);
  EXPECT_TRUE(trace.ran(Impl::cpu, "sparse.mvmr")) << trace.summary();
  EXPECT_TRUE(trace.ran(Impl::cpu, "sparse.vvor")) << trace.summary();
  EXPECT_FALSE(trace.ran(Impl::portable, "sparse.") || trace.ran(Impl::cuda, "sparse.")) << trace.summary();
  EXPECT_CLOSE(allclose_scaled(out, to_array(test::mvmr_loop(av, bv, t, N_o, G, C, M), {N_o, G, M}), 1e-5));
}

TEST(Mvmr, EdgeCases) {
  auto a = to_array(random_values(3 * 1 * 4 * 5, 21), {3, 1, 4, 5});
  auto b = to_array(random_values(6 * 4, 22), {6, 1, 4});
  auto none = mx::zeros({0}, mx::int32);
  auto zero = mvmr(a, b, none, none, none, 7);
  EXPECT_EQ(zero.shape(), (mx::Shape{7, 1, 5}));
  EXPECT_EQ(mx::sum(mx::abs(zero)).item<float>(), 0.f);
  EXPECT_EQ(mvmr(a, b, none, none, none, 0).shape(), (mx::Shape{0, 1, 5}));
  // int64 indices are accepted; untouched outputs stay 0.
  test::Triplets t{{2, 0}, {5, 1}, {3, 3}};
  auto as64 = [](const std::vector<int>& v) { return mx::astype(to_array(v), mx::int64); };
  auto out = mvmr(a, b, as64(t.a), as64(t.b), as64(t.o), 5);
  auto av = random_values(3 * 4 * 5, 21), bv = random_values(6 * 4, 22);
  EXPECT_CLOSE(allclose_scaled(out, to_array(test::mvmr_loop(av, bv, t, 5, 1, 4, 5), {5, 1, 5}), 1e-5));
}

TEST(Mvmr, BadInputNamesTheArgument) {
  auto a = mx::zeros({3, 1, 4, 5}), b = mx::zeros({6, 1, 4});
  auto idx = mx::zeros({10}, mx::int32);
  EXPECT_THROW_MSG(mvmr(a, b, idx, mx::zeros({9}, mx::int32), idx, 2), std::invalid_argument,
                   "[sparse.mvmr] b_idx must have the same length as a_idx (10), got 9");
  EXPECT_THROW_MSG(mvmr(a, b, idx, idx, mx::zeros({11}, mx::int32), 2), std::invalid_argument,
                   "[sparse.mvmr] o_idx must have the same length as a_idx (10), got 11");
  EXPECT_THROW_MSG(mvmr(a, mx::zeros({6, 1, 3}), idx, idx, idx, 2), std::invalid_argument, "[sparse.mvmr] b");
  EXPECT_THROW_MSG(mvmr(mx::zeros({3, 4, 5}), b, idx, idx, idx, 2), std::invalid_argument, "[sparse.mvmr] a");
  EXPECT_THROW_MSG(mvmr(a, b, mx::zeros({10}), idx, idx, 2), std::invalid_argument, "[sparse.mvmr] a_idx");
  EXPECT_THROW_MSG(mvmr(a, b, idx, mx::zeros({10}, mx::uint32), idx, 2), std::invalid_argument, "[sparse.mvmr] b_idx");
  EXPECT_THROW_MSG(mvmr(a, b, idx, idx, idx, -1), std::invalid_argument, "[sparse.mvmr] num_outputs must be >= 0, got -1");
  EXPECT_THROW_MSG(mvmr(mx::zeros({3, 1, 4, 5}, mx::int32), b, idx, idx, idx, 2), std::invalid_argument,
                   "[sparse.mvmr] a");
  auto bad = to_array(std::vector<int>{0, 1, 3});
  auto ok = to_array(std::vector<int>{0, 1, 2});
  EXPECT_THROW_MSG(mvmr(a, b, bad, ok, ok, 3), std::invalid_argument,
                   "[sparse.mvmr] a_idx must be in [0, 3), got 3 at position 2");
  EXPECT_THROW_MSG(mvmr(a, b, ok, mx::negative(ok), ok, 3), std::invalid_argument,
                   "[sparse.mvmr] b_idx must be in [0, 6), got -1 at position 1");
  EXPECT_THROW_MSG(mvmr(a, b, ok, ok, ok, 2), std::invalid_argument, "[sparse.mvmr] o_idx must be in [0, 2), got 2");
  auto huge = mx::astype(to_array(std::vector<int>{0, 1, 2}), mx::int64) + mx::array(int64_t{1} << 32);
  EXPECT_THROW_MSG(mvmr(a, b, ok, huge, ok, 3), std::invalid_argument, "[sparse.mvmr] b_idx must be in [0, 6)");
}

}  // namespace
}  // namespace robomlx::sparse

namespace robomlx::sparse {
namespace {

// IndexCheck::none keeps the ops fully lazy, so they trace under mx::compile.
TEST(Mvmr, UncheckedCallsCompile) {
  const int K = 5, N_b = 30, N_o = 20, G = 1, C = 6, M = 7;
  auto t = test::random_triplets(K, N_b, N_o, 0, 5, 23);
  auto ai = test::to_array(t.a), bi = test::to_array(t.b), oi = test::to_array(t.o);
  auto av = test::random_values(size_t(K) * C * M, 24), bv = test::random_values(size_t(N_b) * C, 25);
  auto fn = mx::compile([N_o](const std::vector<mx::array>& x) {
    auto o = mvmr(x[0], x[1], x[2], x[3], x[4], N_o, IndexCheck::none);
    auto w = vvor(x[1], o, x[3], x[4], x[2], 5, IndexCheck::none);  // [K, G, C, M]
    return std::vector<mx::array>{o, segment_reduce(mx::reshape(o, {N_o, M}), mx::full({4}, 5, mx::int32),
                                                    ReduceOp::max, IndexCheck::none), w};
  });
  auto a = test::to_array(av, {K, G, C, M}), b = test::to_array(bv, {N_b, G, C});
  auto out = fn({a, b, ai, bi, oi});
  EXPECT_CLOSE(allclose_scaled(out[0], test::to_array(test::mvmr_loop(av, bv, t, N_o, G, C, M), {N_o, G, M}), 1e-4));
  EXPECT_EQ(out[1].shape(), (mx::Shape{4, M}));
  EXPECT_EQ(out[2].shape(), (mx::Shape{K, G, C, M}));
}

}  // namespace
}  // namespace robomlx::sparse
