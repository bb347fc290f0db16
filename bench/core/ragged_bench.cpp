// SPDX-License-Identifier: Apache-2.0
// `robomlx bench core`: the ragged helpers and a float32 matmul (shows which BLAS MLX uses).
#include <string>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/ragged.h"

namespace robomlx {

namespace {
void core_suite(BenchContext& ctx) {
  const int n_segments = ctx.quick ? 2'000 : 200'000;
  const int mean_len = 50;
  auto key = mx::random::key(7);
  auto lengths = mx::random::randint(0, 2 * mean_len, {n_segments}, mx::int32, key);
  mx::eval(lengths);
  const int total = mx::sum(lengths).item<int>();
  auto offsets = lengths_to_offsets(lengths);
  mx::eval(offsets);
  const std::string size = " n=" + std::to_string(n_segments) + " total=" + std::to_string(total);

  // What one evaluation costs whatever it holds: one add on 4 floats (already on the device),
  // evaluated and synchronised. Every single-call time on this device includes it.
  auto tiny = mx::add(mx::zeros({4}), mx::array(1.f));
  mx::eval(tiny);
  ctx.run("eval floor: one add of 4 floats", [&] { return std::vector<mx::array>{mx::add(tiny, tiny)}; });

  ctx.run("lengths_to_offsets" + size, [&] { return std::vector<mx::array>{lengths_to_offsets(lengths)}; });
  auto& ids = ctx.run("segment_ids" + size, [&] { return std::vector<mx::array>{segment_ids(offsets, total)}; });
  ids.metrics["GB/s"] = (4.0 * total) / (ids.median_ms * 1e6);
  auto values = mx::random::normal({n_segments, 4}, mx::float32, 0.f, 1.f, key);
  mx::eval(values);
  auto& rep = ctx.run("repeat_interleave C=4" + size,
                      [&] { return std::vector<mx::array>{repeat_interleave(values, lengths, total)}; });
  rep.metrics["GB/s"] = (4.0 * total * 5) / (rep.median_ms * 1e6);
  auto x = mx::random::uniform({total}, mx::float32, key);
  mx::eval(x);
  auto& cs = ctx.run("inclusive_cumsum f32 n=" + std::to_string(total),
                     [&] { return std::vector<mx::array>{inclusive_cumsum(x)}; });
  cs.metrics["GB/s"] = (8.0 * total) / (cs.median_ms * 1e6);

  const int m = ctx.quick ? 256 : 1024;
  auto a = mx::random::normal({m, m}, mx::float32, 0.f, 1.f, key);
  mx::eval(a);
  auto& mm = ctx.run("matmul f32 " + std::to_string(m) + "^3", [&] { return std::vector<mx::array>{mx::matmul(a, a)}; });
  mm.metrics["GFLOP/s"] = 2.0 * m * m * m / (mm.median_ms * 1e6);
}
}  // namespace

ROBOMLX_BENCH_SUITE(core, "ragged helpers (offsets, segment ids, repeat_interleave, cumsum) and a f32 matmul",
                    core_suite);

}  // namespace robomlx
