// SPDX-License-Identifier: Apache-2.0
// splat.densify: adaptive density control of 3D Gaussian splatting (Kerbl et al. 2023, sec. 5.2):
// where the view-space positional gradient is large, small Gaussians are cloned and large ones
// split; nearly transparent and oversized ones are pruned; opacities are reset now and then.
//
// Statistics (accumulate_densify_stats, once per training view while densifying):
//   grad_accum += |g| and count += 1 for every Gaussian visible in the view (radius > 0), where
//   g [N, 2] is graphdeco's means2D gradient: d loss / d screen_offsets times (0.5 W, 0.5 H)
//   (rasterize.h); max_radii = max(max_radii, radius) in pixels.
// densify_and_prune, with gbar = grad_accum / count (0 where never visible), e = scene extent:
//   clone  gbar >= grad_threshold and max scale <= percent_dense * e: an exact copy is appended;
//   split  gbar >= grad_threshold and max scale >  percent_dense * e: the Gaussian is replaced by
//          two whose centres are drawn from it (mean + R(q) (scale * z), z ~ N(0, I), one key per
//          call) and whose scales are scale / 1.6; rotation, opacity and SH are copied;
//   prune  (after clone and split, over the new set) opacity < min_opacity, and with prune_large
//          also max_radii > max_screen_radius (when > 0) or max scale > max_world_scale * e.
//   Clones and split children are not pruned for screen size: they have not been seen yet.
//   New order: kept originals, clones, first children, second children (the 3DGS trainer's).
//   With max_gaussians > 0, at most max_gaussians - N candidates (each adds one Gaussian net)
//   are densified, largest gbar first.
//   The optimiser keeps consistent: surviving Gaussians keep their moments, new ones start at
//   zero. The statistics restart at zero for every Gaussian.
// reset_opacity: opacity = min(opacity, max_opacity) (as logits), opacity moments zeroed.
//
// Deviation from graphdeco's code, on purpose: its trainer zeroes max_radii before it checks them,
// so its screen-size prune never fires; here it does. max_screen_radius = 0 reproduces graphdeco.
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

#include "robomlx/splat/gaussian_adam.h"
#include "robomlx/splat/gaussian_scene.h"

namespace robomlx::splat {

struct DensifyStats {
  mx::array grad_accum = mx::zeros({0}, mx::float32);  // [N]
  mx::array count = mx::zeros({0}, mx::float32);       // [N] views in which each was visible
  mx::array max_radii = mx::zeros({0}, mx::float32);   // [N] pixels
  static DensifyStats zeros(int n, mx::StreamOrDevice s = {});
  int size() const { return grad_accum.shape(0); }
};

/// screen_grad [N, 2] float32 (already scaled), radii [N] int32 (0 = not visible).
void accumulate_densify_stats(DensifyStats& stats, const mx::array& screen_grad, const mx::array& radii,
                              mx::StreamOrDevice s = {});

struct DensifySettings {
  float grad_threshold = 0.0002f;
  float percent_dense = 0.01f;
  float min_opacity = 0.005f;
  bool prune_large = false;          // the 3DGS trainer turns it on after the first opacity reset
  float max_screen_radius = 20.0f;   // px; 0 = no screen-size prune
  float max_world_scale = 0.1f;      // fraction of the scene extent
  int max_gaussians = 0;             // 0 = no cap
  /// Throws std::invalid_argument "[splat.densify] ..." for negative or non-finite values.
  void validate() const;
};

struct DensifyCounts {
  int before = 0, cloned = 0, split = 0, pruned = 0, after = 0;
};

/// Clones, splits, then prunes (see above); `key` is an MLX random key for the split samples.
/// Evaluates the statistics on the host (the masks decide sizes).
DensifyCounts densify_and_prune(GaussianScene& scene, GaussianAdam& adam, DensifyStats& stats,
                                const DensifySettings& settings, double extent, const mx::array& key,
                                mx::StreamOrDevice s = {});

/// Keeps only Gaussians whose `keep` flag is set (bool [N]); adam and stats follow. Returns the
/// number removed.
int prune_gaussians(GaussianScene& scene, GaussianAdam& adam, DensifyStats& stats, const mx::array& keep,
                    mx::StreamOrDevice s = {});

void reset_opacity(GaussianScene& scene, GaussianAdam& adam, float max_opacity = 0.01f, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
