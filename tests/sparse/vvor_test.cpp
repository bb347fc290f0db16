// SPDX-License-Identifier: Apache-2.0
// VVOR against plain loops at upstream's test sizes, per implementation (each forced on its own
// stream and asserted to have run), plus gradients (upstream's MVMR adjoints), double backward
// through MVMR, each twin against the portable path on the twin's stream, and bad input.
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "mvmr_test_data.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/mvmr.h"
#include "robomlx/sparse/vvor.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

using test::random_triplets;
using test::random_values;
using test::to_array;

// Forces VVOR and MVMR (VVOR's gradient) together; core helpers choose for themselves.
class VvorImpl : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse."; }
};

// Upstream sizes in the weight-gradient configuration: 1024 output-gradient rows (M = 256)
// times 512 input rows (C = 128) reduced into the 125 taps, 1..32 triplets per point.
TEST_P(VvorImpl, MatchesLoopAtUpstreamSizes) {
  const int N_a = 1024, N_b = 512, K = 125, G = 1, M = 256, C = 128;
  auto trip = random_triplets(K, N_b, N_a, 1, 32, 9527);
  test::Triplets t{trip.o, trip.b, trip.a};  // a = output-gradient row, o = tap
  auto av = random_values(size_t(N_a) * G * M, 1), bv = random_values(size_t(N_b) * G * C, 2);
  auto expected = to_array(test::vvor_loop(av, bv, t, K, G, M, C), {K, G, M, C});
  auto a = to_array(av, {N_a, G, M}), b = to_array(bv, {N_b, G, C});
  for (char key : {'o', 'a', 'b'}) {
    auto s = test::sorted_by(t, key);
    SCOPED_TRACE(std::string("sorted by ") + key);
    auto out = vvor(a, b, to_array(s.a), to_array(s.b), to_array(s.o), K, IndexCheck::host, stream());
    EXPECT_EQ(out.shape(), (mx::Shape{K, G, M, C}));
    EXPECT_CLOSE(allclose_scaled(out, expected, 1e-4));
  }
}

TEST_P(VvorImpl, GroupsAndEmptyOutputsMatchLoop) {
  const int N_a = 90, N_b = 70, n_o = 40, G = 3, M = 5, C = 7;
  auto t = random_triplets(n_o, N_b, N_a, 0, 6, 3);
  test::Triplets s{t.o, t.b, t.a};
  s.o.push_back(n_o - 1);  // a lone triplet for the last output
  s.a.push_back(0);
  s.b.push_back(0);
  auto av = random_values(size_t(N_a) * G * M, 4), bv = random_values(size_t(N_b) * G * C, 5);
  auto out = vvor(to_array(av, {N_a, G, M}), to_array(bv, {N_b, G, C}), to_array(s.a), to_array(s.b),
                  to_array(s.o), n_o + 3, IndexCheck::host, stream());  // three outputs no triplet touches
  EXPECT_CLOSE(allclose_scaled(out, to_array(test::vvor_loop(av, bv, s, n_o + 3, G, M, C), {n_o + 3, G, M, C}), 1e-4));
}

// grad_a[i] = sum_t W[o] b[j] (an MVMR with W^T), grad_b[j] = sum_t W[o]^T a[i].
TEST_P(VvorImpl, GradientsMatchLoops) {
  const int N_a = 150, N_b = 120, n_o = 27, G = 2, M = 12, C = 10;
  auto t = random_triplets(n_o, N_b, N_a, 1, 9, 6);
  test::Triplets s{t.o, t.b, t.a};
  auto av = random_values(size_t(N_a) * G * M, 7), bv = random_values(size_t(N_b) * G * C, 8);
  auto wv = random_values(size_t(n_o) * G * M * C, 9);
  auto ai = to_array(s.a), bi = to_array(s.b), oi = to_array(s.o);
  auto w = to_array(wv, {n_o, G, M, C});
  auto loss = [&](const std::vector<mx::array>& x) {
    return mx::sum(mx::multiply(vvor(x[0], x[1], ai, bi, oi, n_o, IndexCheck::host, stream()), w));
  };
  auto grads = mx::grad(loss, std::vector<int>{0, 1})({to_array(av, {N_a, G, M}), to_array(bv, {N_b, G, C})});
  std::vector<float> wt(wv.size());  // W^T: [n_o, G, C, M]
  for (int k = 0; k < n_o * G; ++k)
    for (int m = 0; m < M; ++m)
      for (int c = 0; c < C; ++c) wt[(size_t(k) * C + c) * M + m] = wv[(size_t(k) * M + m) * C + c];
  auto expect_a = test::mvmr_loop(wt, bv, test::Triplets{s.o, s.b, s.a}, N_a, G, C, M);
  auto expect_b = test::mvmr_loop(wv, av, test::Triplets{s.o, s.a, s.b}, N_b, G, M, C);
  EXPECT_CLOSE(allclose_scaled(grads[0], to_array(expect_a, {N_a, G, M}), 1e-3));
  EXPECT_CLOSE(allclose_scaled(grads[1], to_array(expect_b, {N_b, G, C}), 1e-3));
}

TEST_P(VvorImpl, FiniteDifferenceGradient) {
  const int N_a = 5, N_b = 4, n_o = 3, G = 2, M = 3, C = 2;
  auto t = random_triplets(n_o, N_b, N_a, 0, 4, 10);
  auto ai = to_array(t.o), bi = to_array(t.b), oi = to_array(t.a);
  auto f = [&](const std::vector<mx::array>& x) {
    return std::vector<mx::array>{vvor(x[0], x[1], ai, bi, oi, n_o, IndexCheck::none, stream())};
  };
  auto a = to_array(random_values(size_t(N_a) * G * M, 11), {N_a, G, M});
  auto b = to_array(random_values(size_t(N_b) * G * C, 12), {N_b, G, C});
  EXPECT_CLOSE(check_gradient(f, {a, b}, {0, 1}));
}

// MVMR's weight gradient is a VVOR, whose own VJP is an MVMR: differentiate twice.
TEST_P(VvorImpl, DoubleBackwardThroughMvmr) {
  const int K = 4, N_b = 6, N_o = 5, G = 1, C = 3, M = 2;
  auto t = random_triplets(K, N_b, N_o, 1, 3, 13);
  auto ai = to_array(t.a), bi = to_array(t.b), oi = to_array(t.o);
  auto w = to_array(random_values(size_t(N_o) * G * M, 14), {N_o, G, M});
  // f(b) = <grad_a of <mvmr(a, b), w>, v>: linear in b, so check_gradient's FD is exact-ish.
  auto v = to_array(random_values(size_t(K) * G * C * M, 15), {K, G, C, M});
  auto a = to_array(random_values(size_t(K) * G * C * M, 16), {K, G, C, M});
  auto f = [&](const std::vector<mx::array>& x) {
    auto inner = [&](const std::vector<mx::array>& y) {
      return mx::sum(mx::multiply(mvmr(y[0], x[0], ai, bi, oi, N_o, IndexCheck::none, stream()), w));
    };
    auto ga = mx::grad(inner, 0)({a})[0];
    return std::vector<mx::array>{mx::sum(mx::multiply(ga, v), std::vector<int>{0, 1, 3})};
  };
  auto b = to_array(random_values(size_t(N_b) * G * C, 17), {N_b, G, C});
  EXPECT_CLOSE(check_gradient(f, {b}, {0}));
}

INSTANTIATE_TEST_SUITE_P(Impls, VvorImpl, ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// Each twin against the portable path on the twin's own stream (the CPU twin on a CPU stream also
// on a GPU run, the CUDA twin on the GPU).
class VvorTwin : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse.vvor"; }
};

TEST_P(VvorTwin, MatchesPortable) {
  const int N_a = 300, N_b = 200, n_o = 27, G = 2, M = 20, C = 24;
  auto t = random_triplets(n_o, N_b, N_a, 1, 15, 18);
  auto ai = to_array(t.o), bi = to_array(t.b), oi = to_array(t.a);
  auto a = to_array(random_values(size_t(N_a) * G * M, 19), {N_a, G, M});
  auto b = to_array(random_values(size_t(N_b) * G * C, 20), {N_b, G, C});
  auto run = [&] {
    auto out = vvor(a, b, ai, bi, oi, n_o, IndexCheck::host, stream());
    mx::eval(out);
    return out;
  };
  auto twin = run();  // forced by the fixture
  auto p = ::robomlx::test::run_forced(Impl::portable, "sparse.vvor", run);
  EXPECT_CLOSE(allclose_scaled(twin, p, GetParam() == Impl::cpu ? 1e-5 : 1e-4));
}

INSTANTIATE_TEST_SUITE_P(Twins, VvorTwin, ::testing::Values(Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Vvor, ZeroTripletsAndBadInput) {
  auto a = mx::zeros({4, 2, 3}), b = mx::zeros({5, 2, 6});
  auto none = mx::zeros({0}, mx::int32);
  auto z = vvor(a, b, none, none, none, 7);
  EXPECT_EQ(z.shape(), (mx::Shape{7, 2, 3, 6}));
  EXPECT_EQ(mx::sum(mx::abs(z)).item<float>(), 0.f);
  auto idx = mx::zeros({10}, mx::int32);
  EXPECT_THROW_MSG(vvor(a, b, idx, mx::zeros({9}, mx::int32), idx, 2), std::invalid_argument,
                   "[sparse.vvor] b_idx must have the same length as a_idx (10), got 9");
  EXPECT_THROW_MSG(vvor(a, mx::zeros({5, 3, 6}), idx, idx, idx, 2), std::invalid_argument, "[sparse.vvor] b");
  EXPECT_THROW_MSG(vvor(a, b, mx::zeros({10}, mx::float32), idx, idx, 2), std::invalid_argument,
                   "[sparse.vvor] a_idx");
  auto ok = to_array(std::vector<int>{0, 1, 2});
  EXPECT_THROW_MSG(vvor(a, b, ok, ok, mx::add(ok, mx::array(1)), 3), std::invalid_argument,
                   "[sparse.vvor] o_idx must be in [0, 3), got 3 at position 2");
  EXPECT_THROW_MSG(vvor(a, b, mx::add(ok, mx::array(2)), ok, ok, 3), std::invalid_argument,
                   "[sparse.vvor] a_idx must be in [0, 4), got 4 at position 2");
}

}  // namespace
}  // namespace robomlx::sparse
