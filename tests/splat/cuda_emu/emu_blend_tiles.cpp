// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.blend_tiles: blend_tiles_gpu.cpp's forward and backward kernels on the host
// emulator against the double-precision loops of tests/splat/blend_reference.h:
//   * forward images within 1e-5 of the largest reference value, n_contrib exactly;
//   * backward (from the kernel's own forward state; cotangents of all three images, background)
//     within 1e-4 of each gradient array's largest entry (float32, T recovered by division,
//     atomics in any order);
// on a ragged 40x24 image (3x2 tiles, pixels past the image), a scene where the 0.99 clamp bites,
// a one-tile list longer than a batch (300 faint Gaussians: two batches, some pixels stopping
// early), and one of 400 opaque Gaussians where every pixel stops in the first batch (the block
// vote ends the walk).
#include <algorithm>
#include <cstdio>
#include <vector>

#include "../blend_reference.h"
#include "splat_kernels.h"

namespace {

void check(const char* what, double err, double tol) {
  std::printf("%s: relative error %.2e\n", what, err);
  if (!(err < tol)) emu_fail("%s: relative error %.2e > %.0e", what, err, tol);
}

// spans: whether some pixel must reach the second batch (false: none may).
void run(const char* name, const blend_ref::Scene& s, unsigned seed, bool spans = false) {
  const int W = s.width, H = s.height, plane = W * H;
  const int size[2] = {W, H};
  auto ms = s.means2d, co = s.conics, op = s.opacities, cl = s.colors, id = s.inv_depths;
  auto pl = s.point_list, tr = s.tile_ranges;
  if (pl.empty()) pl.push_back(0);  // a valid pointer; no range reads it
  std::vector<float> color(3 * plane, -1), inv_depth(plane, -1), alpha(plane, -1), final_t(plane, -1);
  std::vector<int32_t> n_contrib(plane, -1);
  auto bg = s.background;
  const unsigned tiles_x = s.tiles_x(), tiles_y = s.tiles_y();
  mlx_launch({tiles_x * 256, tiles_y, 1}, {256, 1, 1}, [&] {
    robomlx_splat_blend_forward::kernel(ms.data(), co.data(), op.data(), cl.data(), id.data(), pl.data(), tr.data(),
                                        size, bg.data(), color.data(), inv_depth.data(), alpha.data(), final_t.data(),
                                        n_contrib.data());
  });
  const auto p = blend_ref::params_of(s);
  const auto want = blend_ref::forward(s, p);
  char what[160];
  std::snprintf(what, sizeof what, "%s forward color", name);
  check(what, blend_ref::relative_error(color, want.color), 1e-5);
  std::snprintf(what, sizeof what, "%s forward inv_depth", name);
  check(what, blend_ref::relative_error(inv_depth, want.inv_depth), 1e-5);
  std::snprintf(what, sizeof what, "%s forward alpha", name);
  check(what, blend_ref::relative_error(alpha, want.alpha), 1e-5);
  for (int i = 0; i < plane; ++i)
    if (n_contrib[i] != want.n_contrib[i]) {
      emu_fail("%s n_contrib at %d: %d, want %d", name, i, n_contrib[i], want.n_contrib[i]);
      break;
    }

  int longest = 0, deepest = 0;
  for (size_t t = 0; t < tr.size() / 2; ++t) longest = std::max(longest, tr[2 * t + 1] - tr[2 * t]);
  for (int i = 0; i < plane; ++i) deepest = std::max(deepest, n_contrib[i]);
  std::printf("%s: longest list %d, deepest contributor %d\n", name, longest, deepest);
  if (spans != (deepest > 256)) emu_fail("%s: deepest contributor %d", name, deepest);

  const auto g = blend_ref::random_cotangents(s, seed);
  std::vector<float> dc(g.color.begin(), g.color.end()), dd(g.inv_depth.begin(), g.inv_depth.end()),
      da(g.alpha.begin(), g.alpha.end());
  const int n = s.n();
  std::vector<float> gm(2 * n, 0.f), gc(3 * n, 0.f), go(n, 0.f), gcol(3 * n, 0.f), gd(n, 0.f);
  mlx_launch({tiles_x * 256, tiles_y, 1}, {256, 1, 1}, [&] {
    robomlx_splat_blend_backward::kernel(ms.data(), co.data(), op.data(), cl.data(), id.data(), pl.data(), tr.data(),
                                         size, bg.data(), final_t.data(), n_contrib.data(), dc.data(), dd.data(),
                                         da.data(), gm.data(), gc.data(), go.data(), gcol.data(), gd.data());
  });
  const auto wg = blend_ref::backward(s, p, g);
  const std::vector<float>* got[5] = {&gm, &gc, &go, &gcol, &gd};
  const char* names[5] = {"means2d", "conics", "opacities", "colors", "inv_depths"};
  for (int a = 0; a < 5; ++a) {
    std::snprintf(what, sizeof what, "%s backward d/d %s", name, names[a]);
    check(what, blend_ref::relative_error(*got[a], *wg.all()[a]), 1e-4);
  }
}

}  // namespace

int main() {
  run("ragged 40x24", blend_ref::random_scene(40, 40, 24, 5), 6);
  blend_ref::SceneOptions clamp;
  clamp.opacity_min = 0.995, clamp.opacity_max = 1.0, clamp.sigma_min = 2, clamp.sigma_max = 5;
  run("clamped 32x20", blend_ref::random_scene(25, 32, 20, 7, clamp), 8);
  blend_ref::SceneOptions faint;
  faint.opacity_min = 0.02, faint.opacity_max = 0.06, faint.sigma_min = 6, faint.sigma_max = 12, faint.margin = 0;
  run("long list 16x16", blend_ref::random_scene(300, 16, 16, 9, faint), 10, true);
  // Every pixel stops within the first batch: the vote ends the walk before the second.
  blend_ref::SceneOptions opaque;
  opaque.opacity_min = 0.6, opaque.opacity_max = 0.9, opaque.sigma_min = 10, opaque.sigma_max = 14, opaque.margin = 0;
  run("opaque long list 16x16", blend_ref::random_scene(400, 16, 16, 11, opaque), 12);
  return emu_finish("kernels.emu.blend_tiles");
}
