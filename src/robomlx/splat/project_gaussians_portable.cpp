// SPDX-License-Identifier: Apache-2.0
// graphdeco's preprocess as elementwise MLX ops over [N] columns. Every division is guarded so
// that culled Gaussians stay finite: their outputs carry no gradient, and 0 * inf in the chain
// rule would otherwise turn into NaN gradients for them.
#include <cmath>

#include <mlx/ops.h>

#include "robomlx/splat/project_gaussians_internal.h"

namespace robomlx::splat::detail {

namespace {
constexpr float kNearPlane = 0.2f;
constexpr float kDilation = 0.3f;

struct Ops {
  mx::Stream s;
  mx::array c(float v) const { return mx::array(v); }
  mx::array add(const mx::array& a, const mx::array& b) const { return mx::add(a, b, s); }
  mx::array sub(const mx::array& a, const mx::array& b) const { return mx::subtract(a, b, s); }
  mx::array mul(const mx::array& a, const mx::array& b) const { return mx::multiply(a, b, s); }
  mx::array div(const mx::array& a, const mx::array& b) const { return mx::divide(a, b, s); }
  mx::array col(const mx::array& a, int i) const { return mx::slice(a, {0, i}, {a.shape(0), i + 1}, s); }
};

// Rotation matrix entries (row-major, 9 columns [N, 1]) of unit quaternions (w, x, y, z).
std::vector<mx::array> rotation_entries(const Ops& o, const mx::array& q) {
  auto w = o.col(q, 0), x = o.col(q, 1), y = o.col(q, 2), z = o.col(q, 3);
  auto two = o.c(2.0f), one = o.c(1.0f);
  auto xx = o.mul(x, x), yy = o.mul(y, y), zz = o.mul(z, z);
  auto xy = o.mul(x, y), xz = o.mul(x, z), yz = o.mul(y, z), wx = o.mul(w, x), wy = o.mul(w, y), wz = o.mul(w, z);
  return {o.sub(one, o.mul(two, o.add(yy, zz))), o.mul(two, o.sub(xy, wz)), o.mul(two, o.add(xz, wy)),
          o.mul(two, o.add(xy, wz)), o.sub(one, o.mul(two, o.add(xx, zz))), o.mul(two, o.sub(yz, wx)),
          o.mul(two, o.sub(xz, wy)), o.mul(two, o.add(yz, wx)), o.sub(one, o.mul(two, o.add(xx, yy)))};
}

}  // namespace

std::vector<float> camera_terms(const ProjectionSettings& cam) {
  std::vector<float> k(kCameraTerms);
  const auto& R = cam.rotation;
  for (int i = 0; i < 9; ++i) k[kTermR + i] = static_cast<float>(R[i]);
  for (int i = 0; i < 3; ++i) k[kTermT + i] = static_cast<float>(cam.translation[i]);
  const auto center = cam.camera_center();
  for (int i = 0; i < 3; ++i) k[kTermCampos + i] = static_cast<float>(center[i]);
  k[kTermFx] = static_cast<float>(cam.fx);
  k[kTermFy] = static_cast<float>(cam.fy);
  k[kTermCx] = static_cast<float>(cam.cx - 0.5);
  k[kTermCy] = static_cast<float>(cam.cy - 0.5);
  k[kTermScale] = cam.scale_modifier;
  k[kTermLimX] = kGuardBand * static_cast<float>(cam.width / (2.0 * cam.fx));
  k[kTermLimY] = kGuardBand * static_cast<float>(cam.height / (2.0 * cam.fy));
  k[kTermTilesX] = static_cast<float>((cam.width + kTileSize - 1) / kTileSize);
  k[kTermTilesY] = static_cast<float>((cam.height + kTileSize - 1) / kTileSize);
  return k;
}

ProjectedGaussians project_gaussians_portable(const mx::array& means3d, const mx::array& scales,
                                              const mx::array& rotations, const mx::array& opacities,
                                              const mx::array& shs, const mx::array& screen_offsets,
                                              const ProjectionSettings& cam, mx::Stream s) {
  const auto k = camera_terms(cam);
  std::vector<mx::array> terms;
  for (float v : k) terms.emplace_back(v);
  return project_gaussians_body(means3d, scales, rotations, opacities, shs, screen_offsets, terms,
                                {cam.sh_degree, cam.antialiased}, s);
}

ProjectedGaussians project_gaussians_body(const mx::array& means3d, const mx::array& scales,
                                          const mx::array& rotations, const mx::array& opacities,
                                          const mx::array& shs, const mx::array& screen_offsets,
                                          const std::vector<mx::array>& k, ProjectionShape shape, mx::Stream s) {
  const Ops o{s};
  const int n = means3d.shape(0);
  // R^T and t as [3, 3] and [1, 3] arrays built from the scalar terms (no constants: the compiled
  // variant takes the camera as an input, so one compiled graph serves every view).
  std::vector<mx::array> rt_entries, t_entries;
  for (int i = 0; i < 9; ++i) rt_entries.push_back(k[kTermR + (i % 3) * 3 + i / 3]);
  for (int i = 0; i < 3; ++i) t_entries.push_back(k[kTermT + i]);
  const auto R_T = mx::reshape(mx::stack(rt_entries, 0, s), {3, 3}, s);
  const auto t = mx::reshape(mx::stack(t_entries, 0, s), {1, 3}, s);
  const mx::array view = o.add(mx::matmul(means3d, R_T, s), t);  // [N, 3]
  const auto vx = o.col(view, 0), vy = o.col(view, 1), vz = o.col(view, 2);

  const auto in_front = mx::greater(vz, o.c(kNearPlane), s);
  const auto z = mx::where(in_front, vz, o.c(1.0f), s);
  const auto inv_z = o.div(o.c(1.0f), o.add(z, o.c(1e-7f)));
  const auto& fx = k[kTermFx];
  const auto& fy = k[kTermFy];
  const auto u = o.add(o.add(o.mul(o.mul(fx, vx), inv_z), k[kTermCx]), o.col(screen_offsets, 0));
  const auto v = o.add(o.add(o.mul(o.mul(fy, vy), inv_z), k[kTermCy]), o.col(screen_offsets, 1));

  // Sigma = Rq diag(s^2) Rq^T, then the camera-frame covariance C = R Sigma R^T.
  const auto q = rotation_entries(o, rotations);
  const auto sc = o.mul(scales, k[kTermScale]);
  std::vector<mx::array> ss = {o.col(sc, 0), o.col(sc, 1), o.col(sc, 2)};
  std::vector<mx::array> m;  // M = Rq diag(s), row-major
  for (int i = 0; i < 9; ++i) m.push_back(o.mul(q[i], ss[i % 3]));
  auto sigma = [&](int i, int j) {
    return o.add(o.add(o.mul(m[i * 3], m[j * 3]), o.mul(m[i * 3 + 1], m[j * 3 + 1])), o.mul(m[i * 3 + 2], m[j * 3 + 2]));
  };
  std::vector<mx::array> sig;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) sig.push_back(j < i ? sig[j * 3 + i] : sigma(i, j));
  auto rr = [&](int i, int j) { return k[kTermR + i * 3 + j]; };
  std::vector<mx::array> rs;  // R Sigma
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      rs.push_back(o.add(o.add(o.mul(rr(i, 0), sig[j]), o.mul(rr(i, 1), sig[3 + j])), o.mul(rr(i, 2), sig[6 + j])));
  auto cc = [&](int i, int j) {  // (R Sigma R^T)_{ij}
    return o.add(o.add(o.mul(rs[i * 3], rr(j, 0)), o.mul(rs[i * 3 + 1], rr(j, 1))), o.mul(rs[i * 3 + 2], rr(j, 2)));
  };
  const auto c00 = cc(0, 0), c01 = cc(0, 1), c02 = cc(0, 2), c11 = cc(1, 1), c12 = cc(1, 2), c22 = cc(2, 2);

  // EWA: J of the clamped direction (graphdeco's guard band, symmetric in tan(fov/2) = W / 2f).
  // graphdeco treats a clamped t.x as a constant (gradient 0 to x and none through the clamp to z).
  const auto guard = [&](const mx::array& vxy, const mx::array& lim) {
    const auto r = o.div(vxy, z);
    const auto neg_lim = mx::negative(lim, s);
    const auto inside = mx::logical_and(mx::greater_equal(r, neg_lim, s), mx::less_equal(r, lim, s), s);
    return mx::where(inside, vxy, mx::stop_gradient(o.mul(mx::clip(r, neg_lim, lim, s), z), s), s);
  };
  const auto tx = guard(vx, k[kTermLimX]), ty = guard(vy, k[kTermLimY]);
  const auto j00 = o.div(fx, z), j11 = o.div(fy, z);
  const auto zz = o.mul(z, z);
  const auto j02 = o.div(o.mul(mx::negative(fx, s), tx), zz), j12 = o.div(o.mul(mx::negative(fy, s), ty), zz);
  const auto two = o.c(2.0f);
  const auto a0 = o.add(o.add(o.mul(o.mul(j00, j00), c00), o.mul(o.mul(two, o.mul(j00, j02)), c02)),
                        o.mul(o.mul(j02, j02), c22));
  const auto b = o.add(o.add(o.mul(o.mul(j00, j11), c01), o.mul(o.mul(j00, j12), c02)),
                       o.add(o.mul(o.mul(j02, j11), c12), o.mul(o.mul(j02, j12), c22)));
  const auto c0 = o.add(o.add(o.mul(o.mul(j11, j11), c11), o.mul(o.mul(two, o.mul(j11, j12)), c12)),
                        o.mul(o.mul(j12, j12), c22));
  const auto a = o.add(a0, o.c(kDilation)), c = o.add(c0, o.c(kDilation));
  const auto bb = o.mul(b, b);
  const auto det = o.sub(o.mul(a, c), bb);
  const auto det_ok = mx::logical_and(in_front, mx::not_equal(det, o.c(0.0f), s), s);
  const auto det_s = mx::where(det_ok, det, o.c(1.0f), s);
  auto opacity = opacities;
  if (shape.antialiased) {
    const auto ratio = o.div(o.sub(o.mul(a0, c0), bb), det_s);
    opacity = o.mul(opacity, mx::sqrt(mx::maximum(ratio, o.c(2.5e-5f), s), s));
  }
  const auto conics = mx::concatenate({o.div(c, det_s), o.div(mx::negative(b, s), det_s), o.div(a, det_s)}, 1, s);

  // Radius and tile rect: not differentiable (integers).
  const auto sg = [&](const mx::array& x) { return mx::stop_gradient(x, s); };
  const auto mid = o.mul(o.c(0.5f), sg(o.add(a, c)));
  const auto disc = mx::sqrt(mx::maximum(o.sub(o.mul(mid, mid), sg(det_s)), o.c(0.1f), s), s);
  const auto lambda = mx::maximum(o.add(mid, disc), o.sub(mid, disc), s);
  const auto radius = mx::ceil(o.mul(o.c(3.0f), mx::sqrt(lambda, s)), s);
  const auto& gx = k[kTermTilesX];
  const auto& gy = k[kTermTilesY];
  auto tile = [&](const mx::array& p, float bias, const mx::array& grid) {
    auto t = mx::floor(o.div(o.add(sg(p), o.c(bias)), o.c(static_cast<float>(kTileSize))), s);
    return mx::astype(mx::clip(t, o.c(0.0f), grid, s), mx::int32, s);
  };
  const auto x0 = tile(o.sub(u, radius), 0.0f, gx), y0 = tile(o.sub(v, radius), 0.0f, gy);
  const auto x1 = tile(o.add(u, radius), kTileSize - 1.0f, gx), y1 = tile(o.add(v, radius), kTileSize - 1.0f, gy);
  const auto area = mx::multiply(mx::subtract(x1, x0, s), mx::subtract(y1, y0, s), s);
  const auto visible = mx::logical_and(det_ok, mx::greater(area, mx::array(0), s), s);
  const auto zero_i = mx::array(0);
  const auto radii = mx::reshape(mx::where(visible, mx::astype(radius, mx::int32, s), zero_i, s), {n}, s);
  const auto rects = mx::where(visible, mx::concatenate({x0, y0, x1, y1}, 1, s), zero_i, s);

  const auto campos =
      mx::reshape(mx::stack({k[kTermCampos], k[kTermCampos + 1], k[kTermCampos + 2]}, 0, s), {1, 3}, s);
  const auto dir = o.sub(means3d, campos);
  const auto len = mx::sqrt(mx::sum(o.mul(dir, dir), 1, true, s), s);
  const auto dirs = o.div(dir, mx::where(mx::greater(len, o.c(0.0f), s), len, o.c(1.0f), s));
  return {mx::concatenate({u, v}, 1, s), conics, mx::reshape(opacity, {n}, s),
          sh_to_color(shs, dirs, shape.sh_degree, s), mx::reshape(z, {n}, s), radii, rects};
}

}  // namespace robomlx::splat::detail
