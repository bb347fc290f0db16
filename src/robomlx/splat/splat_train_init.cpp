// SPDX-License-Identifier: Apache-2.0
// Where training starts: the scene extent, random points for captures without SfM points, and
// Gaussians from points (the 3DGS paper's initialisation).
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/neighbors.h"
#include "robomlx/splat/splat_train.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.train";
constexpr double kShC0 = 0.28209479177387814;  // SH basis constant of degree 0
constexpr float kMinSquaredDistance = 1e-7f;

Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
double norm(const Vec3& a) { return std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]); }

// The camera's viewing direction in the world: the third row of R (camera z = forward).
Vec3 forward(const Camera& c) { return {c.rotation[6], c.rotation[7], c.rotation[8]}; }

// argmin_p sum_i |(I - d_i d_i^T)(p - c_i)|^2, or nullopt when the axes are near parallel.
std::optional<Vec3> nearest_to_axes(const std::vector<Camera>& cameras) {
  double a[9] = {0}, b[3] = {0};
  for (const Camera& cam : cameras) {
    const Vec3 d = forward(cam), c = cam.center();
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        const double p = (i == j ? 1.0 : 0.0) - d[i] * d[j];
        a[i * 3 + j] += p;
        b[i] += p * c[j];
      }
  }
  const double n = static_cast<double>(cameras.size());
  auto det3 = [](const double* m) {
    return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  };
  const double det = det3(a);
  // Each projector has eigenvalues (1, 1, 0): det(A / n) is about 0.3 for axes in all directions
  // and 0 for parallel ones (a forward-facing capture), whose "intersection" is meaningless.
  if (!(det / (n * n * n) > 1e-3)) return std::nullopt;
  Vec3 p;
  for (int k = 0; k < 3; ++k) {
    double m[9];
    std::copy(a, a + 9, m);
    for (int i = 0; i < 3; ++i) m[i * 3 + k] = b[i];
    p[k] = det3(m) / det;
  }
  return p;
}
}  // namespace

double scene_extent(const std::vector<Camera>& cameras) {
  if (cameras.empty()) return 1;
  Vec3 mean{0, 0, 0};
  for (const Camera& c : cameras) {
    const Vec3 p = c.center();
    for (int i = 0; i < 3; ++i) mean[i] += p[i] / static_cast<double>(cameras.size());
  }
  double far = 0;
  for (const Camera& c : cameras) far = std::max(far, norm(sub(c.center(), mean)));
  return far > 0 ? 1.1 * far : 1.0;
}

SfmPoints random_points(const std::vector<Camera>& cameras, int count, std::uint64_t seed) {
  check_range(kTag, "random point count", count, 1, 1e8);
  if (cameras.empty()) fail_argument(kTag, "random points need at least one camera");
  const double extent = scene_extent(cameras);
  Vec3 centre{0, 0, 0};
  if (auto p = nearest_to_axes(cameras)) {
    centre = *p;
  } else {
    for (const Camera& c : cameras) {
      const Vec3 o = c.center(), d = forward(c);
      for (int i = 0; i < 3; ++i) centre[i] += (o[i] + extent * d[i]) / static_cast<double>(cameras.size());
    }
  }
  std::vector<double> dist;
  for (const Camera& c : cameras) dist.push_back(norm(sub(c.center(), centre)));
  std::nth_element(dist.begin(), dist.begin() + dist.size() / 2, dist.end());
  const double half = 0.33 * (dist[dist.size() / 2] > 0 ? dist[dist.size() / 2] : extent);
  const auto key = mx::random::key(seed);
  const auto [kp, kc] = mx::random::split(key, mx::Device::cpu);
  const mx::array lo({static_cast<float>(centre[0] - half), static_cast<float>(centre[1] - half),
                      static_cast<float>(centre[2] - half)});
  const mx::array hi({static_cast<float>(centre[0] + half), static_cast<float>(centre[1] + half),
                      static_cast<float>(centre[2] + half)});
  SfmPoints pts;
  pts.xyz = mx::random::uniform(lo, hi, {count, 3}, mx::float32, kp, mx::Device::cpu);
  pts.rgb = mx::astype(mx::random::randint(0, 256, {count, 3}, mx::int32, kc, mx::Device::cpu), mx::uint8, mx::Device::cpu);
  mx::eval(pts.xyz, pts.rgb);
  return pts;
}

GaussianScene gaussians_from_points(const SfmPoints& points, int sh_degree, mx::StreamOrDevice so) {
  const int m = sh_coefficient_count(sh_degree);
  check_shape(kTag, "points", points.xyz, {-1, 3});
  const int n = points.size();
  check_shape(kTag, "colours", points.rgb, {n, 3});
  if (n == 0) fail_argument(kTag, "no points to start from");
  const mx::Stream s = op_stream(so);
  const auto xyz = mx::astype(points.xyz, mx::float32, s);
  // Nearest neighbours of every point among the others: k = 4 includes the point itself (distance
  // 0, listed first) or an exact duplicate of it, which counts the same.
  const int k = std::min(4, n);
  const auto knn = sparse::knn_search(xyz, xyz, k, std::nullopt, std::nullopt, s);
  mx::array d2 = mx::full({n}, kMinSquaredDistance, mx::float32, s);
  if (k > 1) {
    const auto d = mx::slice(knn.distances, {0, 1}, {n, k}, s);
    d2 = mx::maximum(mx::mean(mx::square(d, s), 1, false, s), mx::array(kMinSquaredDistance), s);
  }
  const auto log_scale = mx::log(mx::sqrt(d2, s), s);
  const auto rgb = mx::divide(mx::astype(points.rgb, mx::float32, s), mx::array(255.0f), s);
  const auto dc = mx::divide(mx::subtract(rgb, mx::array(0.5f), s), mx::array(static_cast<float>(kShC0)), s);

  GaussianScene g;
  g.sh_degree = sh_degree;
  g.means = xyz;
  g.log_scales = mx::repeat(mx::reshape(log_scale, {n, 1}, s), 3, 1, s);
  g.rotations = mx::concatenate({mx::ones({n, 1}, mx::float32, s), mx::zeros({n, 3}, mx::float32, s)}, 1, s);
  g.opacity_logits = mx::full({n, 1}, static_cast<float>(std::log(0.1 / 0.9)), mx::float32, s);
  g.sh = mx::concatenate({mx::reshape(dc, {n, 1, 3}, s), mx::zeros({n, m - 1, 3}, mx::float32, s)}, 1, s);
  mx::eval(g.means, g.log_scales, g.rotations, g.opacity_logits, g.sh);
  return g;
}

}  // namespace robomlx::splat
