// SPDX-License-Identifier: Apache-2.0
// Synthetic cameras on circles around a point, all looking at it: the views of a turntable
// capture (`robomlx splat render --orbit`, scripts/make-donut-capture).
//
// One ring of N cameras per elevation e_r (r = 0..R-1). Camera j of ring r sits at azimuth
// a = 2 pi (j + r / R) / N (the rings are staggered by a fraction of a step) and elevation e_r
// above the plane through `center` perpendicular to `up`:
//   C = center + radius (cos e_r (cos a u1 + sin a u2) + sin e_r up),
// where (u1, u2, up) is a right-handed orthonormal frame (u1 is the world axis least aligned with
// up, made perpendicular to it). Axes as splat_camera.h: z = normalize(center - C_i) forward,
// x = normalize(z x up) right, y = z x x down, so `up` points up in every image.
// Intrinsics: square pixels, fx = fy = 0.5 width / tan(0.5 fov_x), principal point at the image
// centre (cx = width / 2, cy = height / 2: what graphdeco's rasterizer assumes). Cameras come
// ring by ring; the i-th is named view_<i>.png, i zero-padded to 3 digits (view_000.png), as the
// render CLI names its outputs.
// Why several rings: one ring is a critical motion for self-calibration (orbital motion leaves
// the focal length ambiguous), so structure from motion cannot recover the focal length from it.
#pragma once

#include <vector>

#include "robomlx/splat/gaussian_scene.h"
#include "robomlx/splat/splat_camera.h"

namespace robomlx::splat {

struct OrbitOptions {
  int count = 30;              // cameras per ring, 1..10000
  Vec3 center{0, 0, 0};        // the point every camera looks at
  double radius = 1;           // > 0: distance of each camera to center (scene units)
  std::vector<double> elevations_deg{30};  // one ring each (1..16 rings), each in (-89, 89):
                                           // above (> 0) or below the plane perpendicular to up
  Vec3 up{0, 0, 1};            // world up, any non-zero length
  int width = 640, height = 480;
  double fov_x_deg = 50;       // full horizontal field of view, in (0, 179)

  /// Throws std::invalid_argument "[splat.orbit] <option> must be ..., got ..." for any value out
  /// of the ranges above or non-finite.
  void validate() const;
};

std::vector<Camera> orbit_cameras(const OrbitOptions& options);

/// The mean of the scene's Gaussian centres (host values, float64 sums): where an orbit looks by
/// default. Throws std::invalid_argument "[splat.orbit] ..." for an empty scene.
Vec3 scene_centroid(const GaussianScene& scene);

}  // namespace robomlx::splat
