// SPDX-License-Identifier: Apache-2.0
// RoPE by tables (cached_decoder_internal.h) against a plain double loop of the rotation, in both
// pair layouts (adjacent, GGUF's llama; halves, "neox"), with dimensions past rope_dims left as they
// are: fused through mx::compile (the thread's default stream) and op by op (another stream), for a
// sequence's chunk (positions from its column) and a batched decode step (a position per row).
// Float32 tables: within 1e-5 of the larger of 1 and the value.
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {
namespace {

constexpr int kHeadDim = 8, kRopeDims = 6;
constexpr double kBase = 10000.0;

// x [B, heads, T, head_dim] rotated at position pos(b, t).
template <typename Pos>
std::vector<double> reference(const std::vector<float>& x, int B, int H, int T, bool neox, Pos pos) {
  std::vector<double> y(x.begin(), x.end());
  const int half = kRopeDims / 2;
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h)
      for (int t = 0; t < T; ++t) {
        const int row = ((b * H + h) * T + t) * kHeadDim;
        for (int i = 0; i < half; ++i) {
          const double a = pos(b, t) * std::pow(kBase, -2.0 * i / kRopeDims);
          const int j = neox ? i : 2 * i, k = neox ? i + half : 2 * i + 1;
          y[row + j] = x[row + j] * std::cos(a) - x[row + k] * std::sin(a);
          y[row + k] = x[row + k] * std::cos(a) + x[row + j] * std::sin(a);
        }
      }
  return y;
}

void check(const mx::array& x, const RopeTables& table, const DecoderStep& step, const std::vector<double>& want) {
  const mx::Stream other = mx::new_stream(mx::default_device());
  for (const mx::Stream& s : {mx::default_stream(mx::default_device()), other}) {
    mx::array got = apply_rope(x, rope_rows(table, step, x.shape(2), s), s);
    got.eval();
    ASSERT_EQ(got.shape(), x.shape());
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got.data<float>()[i], want[i], 1e-5 * std::max(1.0, std::abs(want[i]))) << "element " << i << (s == other ? " (ops)" : " (fused)");
  }
}

TEST(RopeTables, RotateAsThePlainLoop) {
  for (bool neox : {false, true}) {
    const RopeTables table = make_rope_tables(16, kHeadDim, kRopeDims, kBase, neox, mx::float32);
    mx::random::seed(neox);
    // A sequence's chunk: T = 3 tokens from column 5.
    mx::array x = mx::random::normal({1, 2, 3, kHeadDim});
    x.eval();
    const std::vector<float> xs(x.data<float>(), x.data<float>() + x.size());
    check(x, table, DecoderStep{mx::zeros({1, 3}, mx::int32), 5, 5, std::nullopt},
          reference(xs, 1, 2, 3, neox, [](int, int t) { return 5 + t; }));
    // A batched decode step: one token per row at its own position.
    mx::array xb = mx::random::normal({3, 2, 1, kHeadDim});
    xb.eval();
    const std::vector<float> xbs(xb.data<float>(), xb.data<float>() + xb.size());
    const std::vector<int> pos = {2, 9, 15};
    check(xb, table, DecoderStep{mx::zeros({3, 1}, mx::int32), 15, mx::array(pos.data(), {3}, mx::int32), std::nullopt},
          reference(xbs, 3, 2, 1, neox, [&](int b, int) { return pos[b]; }));
  }
}

}  // namespace
}  // namespace robomlx::serve
