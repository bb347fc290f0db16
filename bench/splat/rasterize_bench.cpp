// SPDX-License-Identifier: Apache-2.0
// The whole rasterizer (see splat_bench.h). Garden scenes as gsplat's profiler builds them: the
// SfM points inside [-2, 2]^3 (111,785), tiled on a g x g grid in x and y with a 4 m pitch (g = 3:
// 1.0M, g = 5: 2.8M), scales U[1e-4, 0.02], random unit quaternions, opacity U[0, 1], SH degree 3
// with coefficients N(0, 0.1^2) (DC N(0, 0.3^2)); camera 0 of the capture, focal lengths scaled to
// 1920x1080, principal point at the centre, black background. Loss for the backward:
// sum(image * w) with a fixed random w. ROBOMLX_SPLAT_SCENE_DUMP=DIR writes each garden scene (activated
// parameters and the camera as .npy) to DIR/garden_N so that scripts/splat_peer_bench.py runs gsplat and
// graphdeco on exactly the same Gaussians.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/io/npy.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/blend_tiles.h"
#include "robomlx/splat/project_gaussians.h"
#include "robomlx/splat/rasterize.h"
#include "robomlx/splat/tile_binning.h"
#include "robomlx/splat/splat_golden.h"
#include "splat_bench.h"

namespace robomlx::splat {

namespace {

std::string shared_dir() {
  const char* env = std::getenv("ROBOMLX_SHARED_DIR");
  for (std::string d : {std::string(env && *env ? env : "../shared"), std::string("shared")})
    if (std::filesystem::exists(d + "/data/splat")) return d;
  return {};
}

struct BenchScene {
  RasterInputs inputs;
  RasterSettings settings;
};

void dump_scene(const BenchScene& sc, const std::string& root) {
  const auto dir = root + "/garden_" + std::to_string(sc.inputs.means3d.shape(0));
  std::filesystem::create_directories(dir);
  const auto& in = sc.inputs;
  const auto& c = sc.settings.camera;
  write_npy(dir + "/means.npy", in.means3d);
  write_npy(dir + "/scales.npy", in.scales);
  write_npy(dir + "/quats_wxyz.npy", in.rotations);
  write_npy(dir + "/opacities.npy", in.opacities);
  write_npy(dir + "/sh.npy", in.shs);
  std::vector<double> view(16, 0.0), K = {c.fx, 0, c.cx, 0, c.fy, c.cy, 0, 0, 1};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) view[i * 4 + j] = c.rotation[i * 3 + j];
    view[i * 4 + 3] = c.translation[i];
  }
  view[15] = 1;
  write_npy(dir + "/viewmat.npy", mx::array(view.data(), {4, 4}, mx::float64));
  write_npy(dir + "/K.npy", mx::array(K.data(), {3, 3}, mx::float64));
  write_npy(dir + "/size.npy", mx::array({c.width, c.height}));
}

BenchScene garden_scene(const std::string& shared, int grid) {
  const auto pts = read_npy(shared + "/data/splat/garden-points/means3d.npy");
  const auto Ks = read_npy(shared + "/data/splat/garden-points/Ks.npy");
  const auto views = read_npy(shared + "/data/splat/garden-points/viewmats.npy");
  auto p = mx::astype(pts, mx::float32);
  const auto inside = mx::all(mx::less_equal(mx::abs(p), mx::array(2.0f)), 1);
  mx::eval(p, inside);
  std::vector<float> crop;
  const float* pp = p.data<float>();
  const bool* in = inside.data<bool>();
  for (int i = 0; i < p.shape(0); ++i)
    if (in[i]) crop.insert(crop.end(), pp + 3 * i, pp + 3 * i + 3);
  std::vector<float> means;
  for (int gx = 0; gx < grid; ++gx)
    for (int gy = 0; gy < grid; ++gy)
      for (size_t i = 0; i < crop.size(); i += 3)
        means.insert(means.end(), {crop[i] + 4.0f * (gx - grid / 2), crop[i + 1] + 4.0f * (gy - grid / 2), crop[i + 2]});
  const int n = static_cast<int>(means.size() / 3);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> nd;
  std::vector<float> scales(3 * size_t(n)), quats(4 * size_t(n)), opac(n), sh(48 * size_t(n));
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) scales[3 * i + k] = 1e-4f + (0.02f - 1e-4f) * u(rng);
    float q[4] = {nd(rng), nd(rng), nd(rng), nd(rng)};
    const float norm = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    for (int k = 0; k < 4; ++k) quats[4 * i + k] = q[k] / norm;
    opac[i] = u(rng);
    for (int k = 0; k < 48; ++k) sh[48 * size_t(i) + k] = (k < 3 ? 0.3f : 0.1f) * nd(rng);
  }
  BenchScene sc{{mx::array(means.data(), {n, 3}), mx::array(scales.data(), {n, 3}), mx::array(quats.data(), {n, 4}),
                 mx::array(opac.data(), {n, 1}), mx::array(sh.data(), {n, 16, 3}), std::nullopt},
                {}};
  auto K = mx::astype(Ks, mx::float64, mx::Device::cpu), V = mx::astype(views, mx::float64, mx::Device::cpu);  // no float64 on GPUs
  mx::eval(K, V);
  const double* k = K.data<double>();
  const double* v = V.data<double>();
  auto& c = sc.settings.camera;
  c.width = 1920, c.height = 1080;
  c.fx = k[0] * 1920.0 / 648.0, c.fy = k[4] * 1080.0 / 420.0, c.cx = 960, c.cy = 540;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) c.rotation[i * 3 + j] = v[i * 4 + j];
    c.translation[i] = v[i * 4 + 3];
  }
  c.sh_degree = 3;
  if (const char* dump = std::getenv("ROBOMLX_SPLAT_SCENE_DUMP"); dump && *dump) dump_scene(sc, dump);
  return sc;
}

BenchScene donut_scene(const std::string& shared) {
  const auto scene = read_gaussian_ply(shared + "/data/splat/donut/fused.ply");
  BenchScene sc{{scene.means, activated_scales(scene), normalized_rotations(scene), activated_opacities(scene), scene.sh,
                 std::nullopt},
                read_golden_settings(shared + "/golden/splat/donut_orbit0_640x480")};
  return sc;
}

void scene_cases(BenchContext& ctx, const BenchScene& sc, const std::string& label, const std::string& impl) {
  const mx::Stream s = mx::default_stream(ctx.device());
  auto& in = sc.inputs;
  mx::eval({in.means3d, in.scales, in.rotations, in.opacities, in.shs});
  const int n = in.means3d.shape(0);
  const std::string size = label + " N=" + std::to_string(n) + " " + std::to_string(sc.settings.camera.width) + "x" +
                           std::to_string(sc.settings.camera.height);
  std::int64_t pairs = 0;
  auto& r = ctx.run("rasterize fwd " + size, [&] {
    auto out = rasterize(in, sc.settings, s);
    pairs = out.num_rendered;
    return std::vector<mx::array>{out.color, out.radii};
  }, impl);
  r.metrics["pairs"] = static_cast<double>(pairs);
  const auto w = mx::random::uniform({3, sc.settings.camera.height, sc.settings.camera.width}, mx::float32,
                                     mx::random::key(3));
  mx::eval(w);
  auto loss = [&](const std::vector<mx::array>& p) {
    auto out = rasterize({p[0], p[1], p[2], p[3], p[4], p[5]}, sc.settings, s);
    return std::vector<mx::array>{mx::sum(mx::multiply(out.color, w, s), false, s)};
  };
  auto vg = mx::value_and_grad(loss, std::vector<int>{0, 1, 2, 3, 4, 5});
  const auto offsets = mx::zeros({n, 2}, mx::float32);
  ctx.run("rasterize fwd+bwd " + size, [&] {
    auto [value, grads] = vg({in.means3d, in.scales, in.rotations, in.opacities, in.shs, offsets});
    grads.push_back(value[0]);
    return grads;
  }, impl);
}

// The rasterizer's three stages one at a time, on the same inputs as the whole (for a profile
// without Nsight: which stage a change moved). Loss for the projection's backward: every
// differentiable output times fixed random weights.
void stage_cases(BenchContext& ctx, const BenchScene& sc, const std::string& size) {
  const mx::Stream s = mx::default_stream(ctx.device());
  const auto& in = sc.inputs;
  const int n = in.means3d.shape(0);
  const auto offsets = mx::zeros({n, 2}, mx::float32);
  auto project = [&](const std::vector<mx::array>& p) {
    return project_gaussians(p[0], p[1], p[2], p[3], p[4], p[5], sc.settings.camera, s);
  };
  const std::vector<mx::array> primals{in.means3d, in.scales, in.rotations, in.opacities, in.shs, offsets};
  ctx.run("stage project fwd " + size, [&] {
    const auto p = project(primals);
    return std::vector<mx::array>{p.means2d, p.conics, p.opacities, p.colors, p.depths, p.radii, p.tile_rects};
  }, "auto");
  std::vector<mx::array> w;
  for (int c : {2, 3, 1, 3}) w.push_back(mx::random::uniform({n, c}, mx::float32, mx::random::key(5 + c)));
  w[2] = mx::reshape(w[2], {n});
  mx::eval(w);
  auto loss = [&](const std::vector<mx::array>& p) {
    const auto pr = project(p);
    auto l = mx::sum(mx::multiply(pr.means2d, w[0], s), false, s);
    l = mx::add(l, mx::sum(mx::multiply(pr.conics, w[1], s), false, s), s);
    l = mx::add(l, mx::sum(mx::multiply(pr.opacities, w[2], s), false, s), s);
    return std::vector<mx::array>{mx::add(l, mx::sum(mx::multiply(pr.colors, w[3], s), false, s), s)};
  };
  auto vg = mx::value_and_grad(loss, std::vector<int>{0, 1, 2, 3, 4, 5});
  ctx.run("stage project fwd+bwd " + size, [&] {
    auto [value, grads] = vg(primals);
    grads.push_back(value[0]);
    return grads;
  }, "auto");
  const auto p = project(primals);
  mx::eval({p.means2d, p.conics, p.opacities, p.colors, p.depths, p.tile_rects});
  const auto blend = sc.settings.blend();
  ctx.run("stage bin " + size, [&] {
    const auto b = bin_tiles(p.depths, p.tile_rects, blend, sc.settings.max_pairs, s);
    return std::vector<mx::array>{b.point_list, b.tile_ranges};
  }, "auto");
  const auto b = bin_tiles(p.depths, p.tile_rects, blend, sc.settings.max_pairs, s);
  const auto inv_depths = mx::divide(mx::array(1.0f), p.depths, s);
  mx::eval({b.point_list, b.tile_ranges, inv_depths});
  ctx.run("stage blend fwd " + size, [&] {
    const auto o = blend_tiles(p.means2d, p.conics, p.opacities, p.colors, inv_depths, b.point_list, b.tile_ranges,
                               blend, s);
    return std::vector<mx::array>{o.color, o.inv_depth, o.alpha};
  }, "auto");
}

}  // namespace

void rasterize_cases(BenchContext& ctx) {
  const std::string shared = shared_dir();
  if (shared.empty()) {
    std::fprintf(stderr, "note: [splat] no shared/data/splat (set ROBOMLX_SHARED_DIR): rasterizer cases skipped\n");
    return;
  }
  const bool gpu = ctx.device().type == mx::Device::gpu;
  const auto donut = donut_scene(shared);
  scene_cases(ctx, donut, "donut", "auto");
  stage_cases(ctx, donut, "donut N=" + std::to_string(donut.inputs.means3d.shape(0)));
  {
    ScopedImpl portable(Impl::portable, "splat.blend");
    scene_cases(ctx, donut, "donut", "portable");
  }
  if (ctx.quick) return;
  for (int grid : gpu ? std::vector<int>{1, 3, 5} : std::vector<int>{1}) {
    const auto garden = garden_scene(shared, grid);
    scene_cases(ctx, garden, "garden", "auto");
    stage_cases(ctx, garden, "garden N=" + std::to_string(garden.inputs.means3d.shape(0)));
  }
}

}  // namespace robomlx::splat
