// SPDX-License-Identifier: Apache-2.0
// `robomlx bench depth_filters`: spatial, temporal and hole filling on synthetic D400-like frames
// (1280x720, 848x480 and 640x360 = 1280x720 after decimation 2), portable path vs CPU twin (or
// CUDA twin on a GPU). Metrics: speedup_vs_portable; for spatial also the ratio to librealsense's
// published single-core time on an idle machine (13.6 ms at 1280x720, 3.00 ms at 640x360) and, as
// like-for-like peers timed in the same run, the twin on one thread and librealsense's loop order.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/hole_filling.h"
#include "robomlx/depth/spatial_filter.h"
#include "robomlx/depth/spatial_filter_twins.h"
#include "robomlx/depth/temporal_filter.h"

namespace robomlx {

namespace {
namespace rd = robomlx::depth;

// Planes and a step edge with noise growing with z^2, 10% holes in blobs and dropouts.
mx::array synthetic_depth(int h, int w, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, 1);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<uint16_t> z(static_cast<size_t>(h) * w);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      float m = x < w / 2 ? 1.2f + 0.6f * y / h : 2.5f - 0.4f * x / w;
      float v = 1000 * m + 3 * m * m * noise(rng);
      bool blob = ((x / 40 + y / 30) % 11 == 0) && u(rng) < 0.9f;
      z[static_cast<size_t>(y) * w + x] = (blob || u(rng) < 0.03f || x < w / 40) ? 0 : static_cast<uint16_t>(v);
    }
  }
  auto a = mx::array(z.data(), {h, w}, mx::uint16);
  mx::eval(a);
  return a;
}

mx::array to_disparity(const mx::array& depth) {
  auto z = mx::astype(depth, mx::float32);
  auto d = mx::where(mx::greater(z, mx::array(0.0f)), mx::divide(mx::array(1.0e6f), z), mx::array(0.0f));
  mx::eval(d);
  return d;
}

// librealsense's loop order, scalar, one thread (restated from shared/specs/realsense.md §1.5): the
// like-for-like peer for the published single-core numbers, timed under the same machine load.
void upstream_order_z16(uint16_t* p, int h, int w, float alpha, int delta, int iterations) {
  float keep = 1.0f - alpha;
  auto blend = [&](int a, int b) { return static_cast<uint16_t>(a * alpha + b * keep + 0.5f); };
  for (int it = 0; it < iterations; ++it) {
    for (int y = 0; y < h; ++y) {
      uint16_t* r = p + static_cast<size_t>(y) * w;
      int v0 = r[0];
      for (int x = 1; x < w - 1; ++x) {
        int v1 = r[x];
        if (v0 >= 1 && v1 >= 1 && std::abs(v1 - v0) >= 1 && std::abs(v1 - v0) <= delta) r[x] = v1 = blend(v1, v0);
        v0 = v1;
      }
      int v1 = r[w - 1];
      for (int x = w - 2; x >= 0; --x) {
        int c = r[x];
        if (v1 >= 1 && c > 1 && std::abs(v1 - c) <= delta) r[x] = c = blend(c, v1);
        v1 = c;
      }
    }
    for (int y = 1; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        int a = p[(y - 1) * w + x], c = p[y * w + x];
        if (std::abs(a - c) < delta) p[y * w + x] = blend(c, a);
      }
    for (int y = h - 2; y >= 0; --y)
      for (int x = 0; x < w; ++x) {
        int b = p[(y + 1) * w + x], c = p[y * w + x];
        if (c >= 1 && b >= 1 && std::abs(c - b) < delta) p[y * w + x] = blend(c, b);
      }
  }
}

Impl twin(const BenchContext& ctx) { return ctx.device().type == mx::Device::gpu ? Impl::cuda : Impl::cpu; }

// Times the portable path and the twin; returns nothing, records speedup on the twin's row.
template <typename Fn>
BenchResult& pair(BenchContext& ctx, const std::string& name, Fn fn, bool with_portable) {
  double portable_ms = 0;
  if (with_portable) {
    ScopedImpl forced(Impl::portable);
    portable_ms = ctx.run(name, fn, "portable").median_ms;
  }
  Impl t = twin(ctx);
  ScopedImpl forced(t);
  auto& r = ctx.run(name, fn, to_string(t));
  if (with_portable) r.metrics["speedup_vs_portable"] = portable_ms / r.median_ms;
  return r;
}

void filters_suite(BenchContext& ctx) {
  struct Size { int h, w; double librealsense_spatial_ms; };
  std::vector<Size> sizes = {{360, 640, 3.00}, {480, 848, 0}, {720, 1280, 13.6}};
  if (ctx.quick) sizes = {{120, 212, 0}};
  for (const auto& sz : sizes) {
    std::string res = " " + std::to_string(sz.w) + "x" + std::to_string(sz.h);
    auto depth = synthetic_depth(sz.h, sz.w, 1);
    auto disparity = to_disparity(depth);
    // The portable spatial path is a graph of ~10 ops per pixel column; it is timed where it
    // finishes in a few seconds.
    bool portable_spatial = sz.h * sz.w <= 848 * 480;
    for (bool disp : {false, true}) {
      const auto& in = disp ? disparity : depth;
      rd::SpatialFilterOptions o;  // librealsense defaults: alpha 0.5, delta 20, 2 iterations
      auto& r = pair(ctx, "spatial " + std::string(disp ? "disparity32" : "z16") + res,
                     [&] { return std::vector<mx::array>{rd::spatial_filter(in, o, ctx.device())}; }, portable_spatial);
      if (sz.librealsense_spatial_ms > 0) r.metrics["speedup_vs_librealsense_1core"] = sz.librealsense_spatial_ms / r.median_ms;
      if (ctx.device().type == mx::Device::cpu) {
        // Like-for-like peer timed in the same run: the same loops on one thread, i.e. librealsense's
        // scalar code path (the published single-core numbers were taken on an idle machine).
        size_t twin_index = ctx.results().size() - 1;  // run() may reallocate results: no references across it
        double twin_ms = r.median_ms;
        auto& one = ctx.run("spatial " + std::string(disp ? "disparity32" : "z16") + res, [&] {
          return std::vector<mx::array>{rd::detail::spatial_filter_cpu(in, o, mx::default_stream(mx::Device::cpu), 1)};
        }, "cpu_1thread");
        double one_ms = one.median_ms;
        ctx.results()[twin_index].metrics["speedup_vs_1thread"] = one_ms / twin_ms;
        if (!disp) {
          std::vector<uint16_t> src(in.data<uint16_t>(), in.data<uint16_t>() + in.size()), work;
          auto& up = ctx.run_host("spatial z16" + res, [&] {
            work = src;
            upstream_order_z16(work.data(), sz.h, sz.w, o.alpha, o.delta, o.iterations);
          }, "upstream_order_1thread");
          double up_ms = up.median_ms;
          ctx.results()[twin_index].metrics["speedup_vs_upstream_order"] = up_ms / twin_ms;
        }
      }
    }
    std::vector<mx::array> seq;
    for (unsigned k = 0; k < 4; ++k) seq.push_back(to_disparity(synthetic_depth(sz.h, sz.w, 10 + k)));
    for (Impl impl : {Impl::portable, twin(ctx)}) {
      ScopedImpl forced(impl);
      rd::TemporalFilter filter;
      size_t next = 0;
      ctx.run("temporal disparity32 (per frame)" + res,
              [&] { return std::vector<mx::array>{filter.process(seq[next++ % seq.size()], ctx.device())}; }, to_string(impl));
    }
    for (int mode : {0, 1}) {
      rd::HoleFillingOptions o{.mode = mode};
      pair(ctx, "hole_filling mode " + std::to_string(mode) + " z16" + res,
           [&] { return std::vector<mx::array>{rd::hole_filling(depth, o, ctx.device())}; }, true);
    }
  }
}
}  // namespace

ROBOMLX_BENCH_SUITE(depth_filters, "RealSense spatial / temporal / hole-filling filters: portable MLX vs CPU/CUDA twin",
                    filters_suite);

}  // namespace robomlx
