// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/rasterize.h"

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/splat/blend_tiles.h"

namespace robomlx::splat {

RasterSettings RasterSettings::from_camera(const Camera& c, int sh_degree, std::array<float, 3> background) {
  RasterSettings r;
  r.camera.width = c.width;
  r.camera.height = c.height;
  r.camera.fx = c.fx;
  r.camera.fy = c.fy;
  r.camera.cx = c.cx;
  r.camera.cy = c.cy;
  r.camera.rotation = c.rotation;
  r.camera.translation = c.translation;
  r.camera.sh_degree = sh_degree;
  r.background = background;
  return r;
}

RasterOutput rasterize(const RasterInputs& in, const RasterSettings& settings, mx::StreamOrDevice so) {
  const mx::Stream s = op_stream(so);
  const int n = in.means3d.ndim() == 2 ? in.means3d.shape(0) : 0;
  const mx::array offsets = in.screen_offsets ? *in.screen_offsets : mx::zeros({n, 2}, mx::float32, s);
  const auto p = project_gaussians(in.means3d, in.scales, in.rotations, in.opacities, in.shs, offsets,
                                   settings.camera, s);
  const auto blend = settings.blend();
  const auto bins = bin_tiles(p.depths, p.tile_rects, blend, settings.max_pairs, s);
  const auto inv_depths = mx::divide(mx::array(1.0f), p.depths, s);
  auto out = blend_tiles(p.means2d, p.conics, p.opacities, p.colors, inv_depths, bins.point_list, bins.tile_ranges,
                         blend, s);
  return {out.color, out.inv_depth, out.alpha, p.radii, bins.num_rendered};
}

}  // namespace robomlx::splat
