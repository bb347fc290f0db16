// SPDX-License-Identifier: Apache-2.0
// `robomlx bench splat`: the rasterizer's blend stage (splat.blend) on a synthetic scene: 20k
// random 2D Gaussians (sigma 1..12 px, log-uniform; opacity 0.1..0.95) over 640x480 (--quick:
// 2k over 160x120), binned on the host as graphdeco bins them (3-sigma square rect per Gaussian,
// per tile sorted by depth). Times the CPU twin's forward and forward+backward (cotangents of all
// three images) on a CPU stream, and on a CUDA device the GPU twin as well. Then the trainer's
// other costs on a CPU stream: the SSIM loss (fwd+bwd, CPU twin and portable path) at 3x480x640,
// and whole training steps (splat.train: render, L1 + SSIM, backward, Adam; no densification) of
// 5000 Gaussians in a unit ball seen at 320x240 from a ring of cameras (--quick: 500 at 80x60).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/splat/blend_tiles_twins.h"
#include "robomlx/splat/splat_image_metrics.h"
#include "robomlx/splat/splat_train.h"
#include "splat_bench.h"

namespace robomlx::splat {

namespace {

struct SyntheticScene {
  detail::BlendOperands operands;
  BlendSettings settings;
  std::int64_t pairs = 0;
};

SyntheticScene synthetic_scene(int n, int width, int height, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  BlendSettings st{width, height, {0.1f, 0.2f, 0.3f}};
  const int tx = st.tiles_x(), ty = st.tiles_y();
  std::vector<float> means(2 * n), conics(3 * n), opacities(n), colors(3 * n), inv_depths(n), depths(n);
  std::vector<std::tuple<int, float, int>> keys;  // (tile, depth, id)
  for (int i = 0; i < n; ++i) {
    const double x = u(rng) * width, y = u(rng) * height;
    const double s1 = std::exp(std::log(12.0) * u(rng)), s2 = std::exp(std::log(12.0) * u(rng)), th = u(rng) * 3.14159;
    const double c = std::cos(th), s = std::sin(th);
    const double a = c * c * s1 * s1 + s * s * s2 * s2 + 0.3, b = c * s * (s1 * s1 - s2 * s2);
    const double d = s * s * s1 * s1 + c * c * s2 * s2 + 0.3, det = a * d - b * b;
    means[2 * i] = float(x), means[2 * i + 1] = float(y);
    conics[3 * i] = float(d / det), conics[3 * i + 1] = float(-b / det), conics[3 * i + 2] = float(a / det);
    opacities[i] = float(0.1 + 0.85 * u(rng));
    for (int k = 0; k < 3; ++k) colors[3 * i + k] = float(u(rng));
    depths[i] = float(1.0 + 9.0 * u(rng));
    inv_depths[i] = 1.0f / depths[i];
    // Radius from the larger eigenvalue, as graphdeco; the rect in tiles, clamped to the grid.
    const double mid = 0.5 * (a + d), lambda = mid + std::sqrt(std::max(0.1, mid * mid - det));
    const double r = std::ceil(3.0 * std::sqrt(lambda));
    auto tile_of = [](double v, int grid) { return std::clamp(static_cast<int>(v / kTileSize), 0, grid); };
    const int x0 = tile_of(x - r, tx), x1 = tile_of(x + r + kTileSize - 1, tx);
    const int y0 = tile_of(y - r, ty), y1 = tile_of(y + r + kTileSize - 1, ty);
    for (int yy = y0; yy < y1; ++yy)
      for (int xx = x0; xx < x1; ++xx) keys.emplace_back(yy * tx + xx, depths[i], i);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::int32_t> list(keys.size()), ranges(2 * std::size_t(tx) * ty, 0);
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const int t = std::get<0>(keys[k]);
    list[k] = std::get<2>(keys[k]);
    if (k == 0 || std::get<0>(keys[k - 1]) != t) ranges[2 * t] = static_cast<std::int32_t>(k);
    ranges[2 * t + 1] = static_cast<std::int32_t>(k + 1);
  }
  const int R = static_cast<int>(list.size());
  SyntheticScene sc{{mx::array(means.data(), {n, 2}), mx::array(conics.data(), {n, 3}),
                     mx::array(opacities.data(), {n}), mx::array(colors.data(), {n, 3}),
                     mx::array(inv_depths.data(), {n}), mx::array(list.data(), {R}, mx::int32),
                     mx::array(ranges.data(), {tx * ty, 2}, mx::int32)},
                    st, R};
  const auto& o = sc.operands;
  mx::eval({o.means2d, o.conics, o.opacities, o.colors, o.inv_depths, o.point_list, o.tile_ranges});
  return sc;
}

using Twin = BlendOutput (*)(const detail::BlendOperands&, const BlendSettings&, mx::Stream);

void blend_cases(BenchContext& ctx, const SyntheticScene& sc, Twin twin, mx::Stream s, const std::string& impl,
                 const std::string& size) {
  const auto& in = sc.operands;
  ctx.run("blend fwd" + size, [&] {
    auto out = twin(in, sc.settings, s);
    return std::vector<mx::array>{out.color, out.inv_depth, out.alpha};
  }, impl);
  const int H = sc.settings.height, W = sc.settings.width;
  auto key = mx::random::key(5);
  std::vector<mx::array> cot{mx::random::normal({3, H, W}, mx::float32, 0, 1, key),
                             mx::random::normal({1, H, W}, mx::float32, 0, 1, mx::random::key(6)),
                             mx::random::normal({1, H, W}, mx::float32, 0, 1, mx::random::key(7))};
  mx::eval(cot);
  auto fn = [&](const std::vector<mx::array>& p) {
    auto out = twin({p[0], p[1], p[2], p[3], p[4], in.point_list, in.tile_ranges}, sc.settings, s);
    return std::vector<mx::array>{out.color, out.inv_depth, out.alpha};
  };
  ctx.run("blend fwd+bwd" + size, [&] {
    auto [outs, grads] = mx::vjp(fn, {in.means2d, in.conics, in.opacities, in.colors, in.inv_depths}, cot);
    grads.insert(grads.end(), outs.begin(), outs.end());
    return grads;
  }, impl);
}

void ssim_cases(BenchContext& ctx, int h, int w) {
  const mx::Stream s = mx::default_stream(mx::Device::cpu);
  const auto a = mx::random::uniform({3, h, w}, mx::float32, mx::random::key(1), s);
  const auto b = mx::random::uniform({3, h, w}, mx::float32, mx::random::key(2), s);
  mx::eval(a, b);
  const std::string name = "ssim fwd+bwd 3x" + std::to_string(h) + "x" + std::to_string(w);
  for (Impl impl : {Impl::cpu, Impl::portable}) {
    ScopedImpl force(impl, "splat.metrics");
    ctx.run(name, [&] {
      auto f = [&](const std::vector<mx::array>& x) { return ssim(x[0], b, s); };
      auto [v, g] = mx::value_and_grad(f, 0)({a});
      return std::vector<mx::array>{v, g[0]};
    }, to_string(impl));
  }
}

// A ring of 8 cameras 4 units from a unit ball of random Gaussians; the trainer starts from the
// scene with its centres moved by N(0, 0.05).
void train_cases(BenchContext& ctx, int n, int w, int h) {
  const mx::Stream s = mx::default_stream(mx::Device::cpu);
  auto u = [&](mx::Shape shape, int key) { return mx::random::uniform(shape, mx::float32, mx::random::key(key), s); };
  GaussianScene truth;
  truth.means = mx::subtract(mx::multiply(u({n, 3}, 1), mx::array(1.4f), s), mx::array(0.7f), s);
  truth.log_scales = mx::log(mx::add(mx::multiply(u({n, 3}, 2), mx::array(0.08f), s), mx::array(0.02f), s), s);
  truth.rotations = mx::random::normal({n, 4}, mx::float32, mx::random::key(3), s);
  truth.opacity_logits = mx::subtract(mx::multiply(u({n, 1}, 4), mx::array(3.0f), s), mx::array(1.0f), s);
  truth.sh = mx::divide(mx::subtract(u({n, 1, 3}, 5), mx::array(0.5f), s), mx::array(0.2821f), s);
  TrainData data;
  for (int i = 0; i < 8; ++i) {
    const double a = 2 * M_PI * i / 8, c = std::cos(a), sn = std::sin(a);
    Camera cam;
    cam.width = w, cam.height = h, cam.fx = cam.fy = 0.94 * w, cam.cx = w / 2.0, cam.cy = h / 2.0;
    // Looking at the origin from (4 cos a, 4 sin a, 0): x right, y down (-z), z forward.
    set_camera_to_world(cam, {-sn, 0, -c, c, 0, -sn, 0, -1, 0}, {4 * c, 4 * sn, 0});
    const auto rs = RasterSettings::from_camera(cam, 0);
    auto img = rasterize({truth.means, activated_scales(truth, s), normalized_rotations(truth, s),
                          activated_opacities(truth, s), truth.sh, std::nullopt}, rs, s).color;
    img = mx::clip(img, mx::array(0.0f), mx::array(1.0f), s);
    mx::eval(img);
    data.train.push_back({cam, img});
  }
  data.extent = 4.4;
  GaussianScene start = truth;
  start.means = mx::add(truth.means, mx::random::normal({n, 3}, mx::float32, 0.0f, 0.05f, mx::random::key(6), s), s);
  TrainOptions o;
  o.sh_degree = 0;
  o.densify_until = 0;  // fixed size: the step's cost, not the growth
  Trainer trainer(std::move(data), o, start, s);
  ctx.run("train step N=" + std::to_string(n) + " " + std::to_string(w) + "x" + std::to_string(h), [&] {
    trainer.step();  // evaluates everything itself
    return std::vector<mx::array>{};
  }, "cpu");
}

void splat_suite(BenchContext& ctx) {
  const int n = ctx.quick ? 2'000 : 20'000, W = ctx.quick ? 160 : 640, H = ctx.quick ? 120 : 480;
  const auto sc = synthetic_scene(n, W, H, 1);
  const std::string size = " N=" + std::to_string(n) + " " + std::to_string(W) + "x" + std::to_string(H) +
                           " R=" + std::to_string(sc.pairs);
  blend_cases(ctx, sc, &detail::blend_tiles_cpu, mx::default_stream(mx::Device::cpu), "cpu", size);
  if (is_cuda_device(ctx.device())) {
    blend_cases(ctx, sc, &detail::blend_tiles_gpu, mx::default_stream(ctx.device()), "cuda", size);
  }
  ssim_cases(ctx, H, W);
  train_cases(ctx, ctx.quick ? 500 : 5000, ctx.quick ? 80 : 320, ctx.quick ? 60 : 240);
  rasterize_cases(ctx);
}

}  // namespace

ROBOMLX_BENCH_SUITE(splat, "Gaussian splatting: tile blending on a synthetic scene; the SSIM loss; training steps; "
                    "the whole rasterizer (fwd, fwd+bwd) on the donut and garden scenes",
                    splat_suite);

}  // namespace robomlx::splat
