// SPDX-License-Identifier: Apache-2.0
// `robomlx bench sparse`: MVMR, VVOR and segment reductions, portable path vs the device's twin
// (CPU Primitive on CPU, fast::cuda_kernel on CUDA), at upstream's test sizes and at the large
// sizes of the PyTorch anchors (scripts/torch_sparse_peer.py times the same cases on CUDA).
// Index checks are off (IndexCheck::none) except in the one case that measures them.
// ROBOMLX_BENCH_FILTER=<text> keeps only the cases whose name contains <text> (core/bench.h).
#include <string>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/mvmr.h"
#include "robomlx/sparse/segment_layout.h"
#include "robomlx/sparse/segment_reduce.h"
#include "robomlx/sparse/vvor.h"

namespace robomlx::sparse {

namespace {

using Arrays = std::vector<mx::array>;

struct Triplets {
  mx::array a, b, o;  // tap, input row, output row; sorted by tap (the production order)
  int size;
};

// `per_point` triplets per output on average over `taps` taps, inputs and outputs in [0, n).
Triplets make_triplets(int n, int taps, int T, mx::array key) {
  auto keys = mx::random::split(key, 3);
  auto a = mx::sort(mx::random::randint(0, taps, {T}, mx::int32, mx::take(keys, 0, 0)));
  auto b = mx::random::randint(0, n, {T}, mx::int32, mx::take(keys, 1, 0));
  auto o = mx::random::randint(0, n, {T}, mx::int32, mx::take(keys, 2, 0));
  mx::eval(a, b, o);
  return {a, b, o, T};
}


void sparse_suite(BenchContext& ctx) {
  bool on_cpu = ctx.device().type == mx::Device::cpu;
  std::vector<Impl> impls{Impl::portable};
  if (on_cpu) impls.push_back(Impl::cpu);
  if (is_cuda_device(ctx.device())) impls.push_back(Impl::cuda);
  auto key = mx::random::key(9527);
  // GB/s from the bytes one timed call moves and, on CUDA devices, the share of the H100's
  // 3.35 TB/s (the yardstick).
  auto bandwidth = [&](BenchResult& r, double bytes) {
    r.metrics["GB/s"] = bytes / (r.median_ms * 1e6);
    if (is_cuda_device(ctx.device())) r.metrics["%H100_BW"] = 100.0 * r.metrics["GB/s"] / 3350.0;
  };
  // Forces `impl` for the sparse ops only (strictly: a twin that cannot run throws); core's helpers
  // pick for themselves. The ops run on the bench device's default stream, where every listed
  // implementation fits.
  auto timed = [&](const std::string& name, Impl impl, const std::function<Arrays()>& fn) -> BenchResult& {
    return ctx.run(name, [&] {
      ScopedImpl scoped(impl, "sparse.");
      return fn();
    }, to_string(impl));
  };

  // MVMR / VVOR: (points, taps, triplets, C, M). Upstream's test: 125 taps, 512 inputs, 1024
  // outputs, C = 128, M = 256, ~17k triplets. Large: 1M triplets over 27 taps.
  struct Case {
    std::string label;
    int n, taps, T, C, M;
  };
  std::vector<Case> cases{{"upstream", 1024, 125, 16896, 128, 256}};
  if (ctx.quick) {
    cases.push_back({"small", 4000, 27, 40000, 64, 64});
  } else {
    cases.push_back({"large", 100000, 27, 1000000, 64, 64});
    cases.push_back({"large", 100000, 27, 1000000, 128, 128});
  }
  for (const auto& c : cases) {
    auto t = make_triplets(c.n, c.taps, c.T, key);
    auto w = mx::random::normal({c.taps, 1, c.C, c.M}, mx::float32, 0.f, 1.f, key);
    auto x = mx::random::normal({c.n, 1, c.C}, mx::float32, 0.f, 1.f, key);
    auto g = mx::random::normal({c.n, 1, c.M}, mx::float32, 0.f, 1.f, key);
    mx::eval(w, x, g);
    std::string size = " " + c.label + " T=" + std::to_string(c.T) + " K=" + std::to_string(c.taps) +
                       " C=" + std::to_string(c.C) + " M=" + std::to_string(c.M);
    double flops = 2.0 * c.T * c.C * c.M;
    for (Impl impl : impls) {
      auto& f = timed("mvmr" + size, impl, [&] {
        return Arrays{mvmr(w, x, t.a, t.b, t.o, c.n, IndexCheck::none)};
      });
      f.metrics["TFLOP/s"] = flops / (f.median_ms * 1e9);
      // VVOR as MVMR's weight gradient: outer(x[j], g[i]) reduced into the taps.
      auto& v = timed("vvor" + size, impl, [&] {
        return Arrays{vvor(x, g, t.b, t.o, t.a, c.taps, IndexCheck::none)};
      });
      v.metrics["TFLOP/s"] = flops / (v.median_ms * 1e9);
    }
  }
  {
    // What IndexCheck::host adds (a host scan of the three index arrays) at the first large size.
    const auto& c = cases.back();
    auto t = make_triplets(c.n, c.taps, c.T, key);
    auto w = mx::random::normal({c.taps, 1, c.C, c.M}, mx::float32, 0.f, 1.f, key);
    auto x = mx::random::normal({c.n, 1, c.C}, mx::float32, 0.f, 1.f, key);
    mx::eval(w, x);
    timed("mvmr host-checked T=" + std::to_string(c.T) + " C=" + std::to_string(c.C), impls.back(),
          [&] { return Arrays{mvmr(w, x, t.a, t.b, t.o, c.n, IndexCheck::host)}; });
  }

  // Segment reductions over T values in K segments (C = 1), cut at K - 1 sorted random points.
  const int T = ctx.quick ? 100'000 : 10'000'000, K = ctx.quick ? 2'000 : 200'000;
  auto cuts = mx::sort(mx::random::randint(0, T, {K - 1}, mx::int32, key));
  auto bounds = mx::concatenate({mx::zeros({1}, mx::int32), cuts, mx::full({1}, T, mx::int32)});
  auto lengths = mx::subtract(mx::slice(bounds, {1}, {K + 1}), mx::slice(bounds, {0}, {K}));
  auto values = mx::random::normal({T}, mx::float32, 0.f, 1.f, key);
  mx::eval(lengths, values);
  for (auto op : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max}) {
    for (Impl impl : impls) {
      auto& r = timed(std::string("segment_") + to_string(op) + " T=" + std::to_string(T) + " K=" + std::to_string(K),
                      impl, [&] { return Arrays{segment_reduce(values, lengths, op, IndexCheck::none)}; });
      bandwidth(r, 4.0 * T + 8.0 * K);
    }
  }
  // What a plain streaming read of the same values costs through MLX: its own full reduction
  // (one number out), a ceiling for any segment reduction on this device.
  auto& probe = ctx.run("mlx sum of all T=" + std::to_string(T) + " values (read ceiling)",
                        [&] { return Arrays{mx::sum(values)}; });
  bandwidth(probe, 4.0 * T);
  // The same sum over a layout prepared once (outside the timed call), as a caller that reduces
  // many arrays over one layout sees it: no prefix sum or CUDA tile table per call. Built on the
  // bench's device, so on CUDA it holds ends and the table; the first (warm-up) call evaluates
  // them and later calls reuse them.
  auto layout = SegmentLayout(lengths, T, IndexCheck::none);
  for (Impl impl : impls) {
    auto& r = timed("segment_sum T=" + std::to_string(T) + " K=" + std::to_string(K) + " layout reused", impl,
                    [&] { return Arrays{segment_reduce(values, layout, ReduceOp::sum)}; });
    bandwidth(r, 4.0 * T + 8.0 * K);
  }
  // Throughput on a GPU: 8 reductions over 8 different value arrays in one evaluation, so what an
  // MLX evaluation + synchronisation costs there (`robomlx bench core`'s eval floor, 0.047 ms on an
  // H100) is paid once; per-op time = median / 8. This is what a pipelined caller sees, the line above is the
  // latency of one call.
  if (is_cuda_device(ctx.device())) {
    constexpr int kBatch = 8;
    std::vector<mx::array> many;
    for (int i = 0; i < kBatch; ++i) many.push_back(mx::random::normal({T}, mx::float32, 0.f, 1.f, mx::random::key(i)));
    mx::eval(many);
    auto& r = timed("segment_sum T=" + std::to_string(T) + " K=" + std::to_string(K) + " x8 per eval", Impl::cuda, [&] {
      Arrays outs;
      for (const auto& v : many) outs.push_back(segment_reduce(v, lengths, ReduceOp::sum, IndexCheck::none));
      return outs;
    });
    r.metrics["per_op_ms"] = r.median_ms / kBatch;
    bandwidth(r, kBatch * (4.0 * T + 8.0 * K));
    // The same 8 reductions over one layout: one reduction kernel each, no per-call prefix sum
    // or table.
    auto& l = timed("segment_sum T=" + std::to_string(T) + " K=" + std::to_string(K) + " x8 per eval, layout reused",
                    Impl::cuda, [&] {
                      Arrays outs;
                      for (const auto& v : many) outs.push_back(segment_reduce(v, layout, ReduceOp::sum));
                      return outs;
                    });
    l.metrics["per_op_ms"] = l.median_ms / kBatch;
    bandwidth(l, kBatch * (4.0 * T + 8.0 * K));
  }
  // Long segments (global pooling per cloud): D = 1 in 16 equal segments, and C = 64 channels in
  // 8 segments of equal rows. With the lengths checked on the host (the default) the CUDA twin
  // splits them into pieces (SegmentLayout's split plans); IndexCheck::none cannot know, and gives each
  // segment to one block or warp: both are timed.
  {
    const int K16 = 16, R8 = ctx.quick ? 20'000 : 800'000, K8 = ctx.quick ? 4 : 8, C8 = 64;
    auto len16 = mx::full({K16}, T / K16, mx::int32);
    auto feats8 = mx::random::normal({R8, C8}, mx::float32, 0.f, 1.f, key);
    auto len8 = mx::full({K8}, R8 / K8, mx::int32);
    mx::eval(len16, feats8, len8);
    // The same cases three ways: lengths checked on the host per call, lazy lengths, and
    // host-checked layouts built once (their split plans too).
    SegmentLayout layout16(len16, T), layout8(len8, R8);
    auto long_cases = [&](const std::string& how, const std::function<mx::array(bool, ReduceOp)>& reduce) {
      for (Impl impl : impls) {
        for (auto op : {ReduceOp::sum, ReduceOp::max}) {
          auto& r = timed(std::string("segment_") + to_string(op) + " T=" + std::to_string(T) + " K=16" + how, impl,
                          [&] { return Arrays{reduce(true, op)}; });
          r.metrics["GB/s"] = 4.0 * T / (r.median_ms * 1e6);
        }
        for (auto op : {ReduceOp::mean, ReduceOp::max}) {
          auto& r = timed(std::string("segment_") + to_string(op) + " rows=" + std::to_string(R8) + " K=" +
                              std::to_string(K8) + " C=64" + how,
                          impl, [&] { return Arrays{reduce(false, op)}; });
          r.metrics["GB/s"] = 4.0 * R8 * C8 / (r.median_ms * 1e6);
        }
      }
    };
    for (auto check : {IndexCheck::host, IndexCheck::none}) {
      long_cases(check == IndexCheck::host ? " long, host-checked" : " long, lazy", [&](bool d1, ReduceOp op) {
        return d1 ? segment_reduce(values, len16, op, check) : segment_reduce(feats8, len8, op, check);
      });
    }
    long_cases(" long, layout reused", [&](bool d1, ReduceOp op) {
      return d1 ? segment_reduce(values, layout16, op) : segment_reduce(feats8, layout8, op);
    });
  }
  // Indexed (max-pool style): 27 neighbours per output over C = 64 channels.
  const int P = ctx.quick ? 2'000 : 50'000, Cp = 64, nb = 27;
  auto feats = mx::random::normal({P, Cp}, mx::float32, 0.f, 1.f, key);
  auto nbr = mx::random::randint(0, P, {P * nb}, mx::int32, key);
  auto nlen = mx::full({P}, nb, mx::int32);
  mx::eval(feats, nbr, nlen);
  for (Impl impl : impls) {
    auto& r = timed("indexed_max P=" + std::to_string(P) + " nbrs=27 C=64", impl,
                    [&] { return Arrays{indexed_segment_reduce(feats, nbr, nlen, ReduceOp::max, IndexCheck::none)}; });
    r.metrics["GB/s"] = (4.0 * P * nb * (Cp + 1)) / (r.median_ms * 1e6);
  }
}

}  // namespace

ROBOMLX_BENCH_SUITE(sparse, "MVMR, VVOR and segment reductions (portable vs twins) at upstream and large sizes",
                    sparse_suite);

}  // namespace robomlx::sparse
