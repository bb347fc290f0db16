// SPDX-License-Identifier: Apache-2.0
// FusedLinear (cached_decoder_internal.h): layers of one kind run as one concatenated projection and
// give what each layer gives on its own; layers of different kinds (bits, plain and quantized) stay
// separate. Each output row is the same dot product either way, so the tolerance is float32
// rounding only (a GPU kernel may pick another reduction order for another row count).
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {
namespace {

DecoderLinear quantized(int out, int in, int bits, int seed) {
  mx::random::seed(seed);
  auto q = mx::quantize(mx::random::normal({out, in}), DecoderLinear::kGroup, bits);
  return DecoderLinear{q[0], q[1], q[2], bits};
}

DecoderLinear plain(int out, int in, int seed) {
  mx::random::seed(seed);
  return DecoderLinear{mx::random::normal({out, in}), std::nullopt, std::nullopt, 0};
}

float max_abs_diff(const mx::array& a, const mx::array& b) { return mx::max(mx::abs(mx::subtract(a, b))).item<float>(); }

void expect_same_as_layers(const std::vector<DecoderLinear>& layers, std::size_t want_parts) {
  const FusedLinear f = FusedLinear::make(layers);
  EXPECT_EQ(f.parts.size(), want_parts);
  ASSERT_EQ(f.widths.size(), layers.size());
  for (int rows : {1, 5, 40}) {  // the CPU twin's GEMV rows and its dequantize + matmul rows
    mx::random::seed(rows);
    const mx::array x = mx::random::normal({1, rows, layers[0].w.shape(1) * (layers[0].bits ? 32 / layers[0].bits : 1)});
    const auto got = f.apply(x, {});
    ASSERT_EQ(got.size(), layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const mx::array want = layers[i].apply(x, {});
      ASSERT_EQ(got[i].shape(), want.shape()) << "layer " << i;
      EXPECT_LE(max_abs_diff(got[i], want), 1e-4f) << "layer " << i << ", " << rows << " rows";
    }
  }
}

TEST(FusedLinear, SameKindRunsAsOneAndSplitsBack) {
  expect_same_as_layers({quantized(64, 96, 4, 1), quantized(32, 96, 4, 2), quantized(32, 96, 4, 3)}, 1);
  expect_same_as_layers({quantized(96, 64, 8, 4), quantized(96, 64, 8, 5)}, 1);
  expect_same_as_layers({plain(24, 40, 6), plain(8, 40, 7)}, 1);
}

TEST(FusedLinear, MixedKindsStaySeparate) {
  expect_same_as_layers({quantized(64, 96, 4, 1), quantized(32, 96, 4, 2), quantized(32, 96, 8, 3)}, 3);  // v at 8 bits
  expect_same_as_layers({quantized(32, 64, 4, 4), plain(32, 64, 5)}, 2);
  DecoderLinear f16 = quantized(32, 64, 4, 6);
  f16.scales = mx::astype(*f16.scales, mx::float16);
  f16.biases = mx::astype(*f16.biases, mx::float16);
  expect_same_as_layers({quantized(32, 64, 4, 7), f16}, 2);
}

}  // namespace
}  // namespace robomlx::serve
