// SPDX-License-Identifier: Apache-2.0
// serve.decode_attention against a plain double loop, for the portable path (MLX's fused attention)
// and the CPU twin: grouped-query heads, keys and values as a slice of a larger cache (strided, as
// the models pass them), a per-row padding mask and a shared mask, float16. Tolerance relative to
// the largest value: 1e-5 in float32, 4e-3 in float16 (inputs and output rounded to it).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/serve/decode_attention.h"
#include "support.h"

namespace robomlx::serve {
namespace {

std::vector<float> host(const mx::array& a) {
  mx::array f = mx::astype(mx::contiguous(a), mx::float32);
  f.eval();
  return {f.data<float>(), f.data<float>() + f.size()};
}

// out [B, H, D] row-major, as decode_attention.h states it.
std::vector<double> reference(const mx::array& q, const mx::array& k, const mx::array& v, float scale, const std::optional<mx::array>& mask) {
  const int B = q.shape(0), H = q.shape(1), D = q.shape(3), Hkv = k.shape(1), L = k.shape(2);
  const auto qh = host(q), kh = host(k), vh = host(v);
  std::vector<float> mh;
  if (mask) mh = host(*mask);
  std::vector<double> out(static_cast<std::size_t>(B) * H * D, 0.0);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h) {
      const int g = h / (H / Hkv);
      std::vector<double> s(L);
      double top = -INFINITY;
      for (int l = 0; l < L; ++l) {
        const bool keep = !mask || mh[(mask->shape(0) > 1 ? b : 0) * L + l] != 0;
        double dot = 0;
        for (int d = 0; d < D; ++d) dot += double(qh[(b * H + h) * D + d]) * kh[((b * Hkv + g) * L + l) * D + d];
        s[l] = keep ? dot * scale : -INFINITY;
        top = std::max(top, s[l]);
      }
      double sum = 0;
      for (int l = 0; l < L; ++l) sum += (s[l] = std::exp(s[l] - top));
      for (int l = 0; l < L; ++l)
        for (int d = 0; d < D; ++d) out[(b * H + h) * D + d] += s[l] / sum * vh[((b * Hkv + g) * L + l) * D + d];
    }
  return out;
}

class DecodeAttentionTest : public test::ImplTest {};

TEST_P(DecodeAttentionTest, MatchesPlainLoop) {
  struct Case {
    int B, H, Hkv, L, D;
    int mask_rows;  // 0: no mask; 1: one mask for every row; B: one per row
    mx::Dtype dtype;
  };
  for (const Case& c : {Case{1, 9, 3, 130, 64, 0, mx::float32}, Case{3, 4, 2, 17, 32, 3, mx::float32},
                        Case{2, 4, 4, 40, 16, 1, mx::float32}, Case{2, 8, 2, 33, 64, 2, mx::float16}}) {
    mx::random::seed(c.L * 10 + c.B);
    const int cap = c.L + 7;  // keys and values: columns [0, L) of a longer cache
    auto cache = [&] { return mx::astype(mx::random::normal({c.B, c.Hkv, cap, c.D}), c.dtype); };
    const mx::array kc = cache(), vc = cache();
    const mx::array k = mx::slice(kc, {0, 0, 0, 0}, {c.B, c.Hkv, c.L, c.D}), v = mx::slice(vc, {0, 0, 0, 0}, {c.B, c.Hkv, c.L, c.D});
    const mx::array q = mx::astype(mx::random::normal({c.B, c.H, 1, c.D}), c.dtype);
    std::optional<mx::array> mask;
    if (c.mask_rows) {  // row b's first b + 1 columns are padding
      mx::array first = mx::reshape(mx::add(mx::arange(c.mask_rows, mx::int32), mx::array(1)), {c.mask_rows, 1, 1, 1});
      mask = mx::greater_equal(mx::reshape(mx::arange(c.L, mx::int32), {1, 1, 1, c.L}), first);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.D));
    const auto want = reference(q, k, v, scale, mask);
    const auto got = host(decode_attention(q, k, v, scale, mask, stream()));
    ASSERT_EQ(got.size(), want.size());
    double worst = 0, top = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::abs(got[i] - want[i]));
      top = std::max(top, std::abs(want[i]));
    }
    EXPECT_LT(worst, (c.dtype == mx::float32 ? 1e-5 : 4e-3) * top) << "B " << c.B << " H " << c.H << " L " << c.L << " mask " << c.mask_rows;
  }
}

TEST_P(DecodeAttentionTest, KeepsShapeAndDtype) {
  const mx::array q = mx::zeros({2, 6, 1, 8}, mx::bfloat16), k = mx::ones({2, 3, 5, 8}, mx::bfloat16);
  const mx::array y = decode_attention(q, k, k, 0.5f, std::nullopt, stream());
  EXPECT_EQ(y.shape(), (mx::Shape{2, 6, 1, 8}));
  EXPECT_EQ(y.dtype(), mx::bfloat16);
  EXPECT_FLOAT_EQ(mx::max(mx::abs(mx::subtract(mx::astype(y, mx::float32), mx::array(1.0f)))).item<float>(), 0.0f);
}

INSTANTIATE_TEST_SUITE_P(Impls, DecodeAttentionTest, ::testing::Values(Impl::portable, Impl::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(DecodeAttention, RejectsBadArguments) {
  const mx::array q = mx::zeros({1, 4, 1, 8}), k = mx::zeros({1, 2, 5, 8});
  EXPECT_THROW(decode_attention(mx::zeros({1, 4, 2, 8}), k, k, 1.0f, std::nullopt), std::invalid_argument);  // two queries
  EXPECT_THROW(decode_attention(q, mx::zeros({1, 3, 5, 8}), mx::zeros({1, 3, 5, 8}), 1.0f, std::nullopt), std::invalid_argument);
  EXPECT_THROW(decode_attention(q, k, mx::zeros({1, 2, 4, 8}), 1.0f, std::nullopt), std::invalid_argument);
  EXPECT_THROW(decode_attention(q, k, k, 1.0f, mx::ones({1, 1, 1, 4}, mx::bool_)), std::invalid_argument);
  EXPECT_THROW(decode_attention(q, k, k, 1.0f, mx::ones({1, 1, 1, 5}, mx::float32)), std::invalid_argument);
  EXPECT_THROW(decode_attention(q, mx::zeros({1, 2, 5, 8}, mx::float16), k, 1.0f, std::nullopt), std::invalid_argument);
}

}  // namespace
}  // namespace robomlx::serve
