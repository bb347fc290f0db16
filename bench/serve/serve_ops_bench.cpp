// SPDX-License-Identifier: Apache-2.0
// The decode step's own ops at SmolLM2-135M's widths (d = 576; 9 query and 3 key/value heads of
// 64), random float32 inputs: serve.rms_norm over one decode step of 32 sequences ([32, 1, 576])
// and over a 128-token prefill ([1, 128, 576]); serve.decode_attention of 1 and 32 sequences
// against 128 cached positions (--quick: 32). Each through the implementation auto picks and
// through the portable path (what an Apple GPU runs).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/serve/decode_attention.h"
#include "robomlx/serve/rms_norm.h"
#include "serve_bench.h"

namespace robomlx::serve {

namespace {

constexpr int kWidth = 576, kHeads = 9, kKvHeads = 3, kHeadDim = 64;

mx::array random_normal(const mx::Shape& shape, int seed) {
  auto a = mx::random::normal(shape, mx::float32, mx::random::key(seed));
  mx::eval(a);
  return a;
}

// Each case through auto's choice, then forced onto the portable path.
void both(BenchContext& ctx, const std::string& name, const std::string& tag,
          const std::function<std::vector<mx::array>()>& fn) {
  ctx.run(name, fn, "auto");
  ScopedImpl portable(Impl::portable, tag);
  ctx.run(name, fn, "portable");
}

}  // namespace

void op_cases(BenchContext& ctx) {
  const auto s = mx::default_stream(ctx.device());
  const auto weight = random_normal({kWidth}, 1);
  for (const auto& shape : {mx::Shape{32, 1, kWidth}, mx::Shape{1, 128, kWidth}}) {
    const std::string name =
        "rms_norm " + std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "x" + std::to_string(kWidth);
    if (!ctx.wants(name)) continue;
    const auto x = random_normal(shape, 2);
    both(ctx, name, "serve.rms_norm", [&] { return std::vector<mx::array>{rms_norm(x, weight, 1e-5f, s)}; });
  }
  const int L = ctx.quick ? 32 : 128;
  for (const int B : {1, 32}) {
    const std::string name = "decode_attention B=" + std::to_string(B) + " L=" + std::to_string(L);
    if (!ctx.wants(name)) continue;
    const auto q = random_normal({B, kHeads, 1, kHeadDim}, 3);
    const auto k = random_normal({B, kKvHeads, L, kHeadDim}, 4), v = random_normal({B, kKvHeads, L, kHeadDim}, 5);
    both(ctx, name, "serve.decode_attention",
         [&] { return std::vector<mx::array>{decode_attention(q, k, v, 0.125f, std::nullopt, s)}; });
  }
}

}  // namespace robomlx::serve
