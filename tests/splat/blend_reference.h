// SPDX-License-Identifier: Apache-2.0
// Plain-loop references for splat.blend (blend_tiles.h), in double, shared by the twin test
// (blend_tiles_test.cpp) and the kernel emulator test (cuda_emu/emu_blend_tiles.cpp); no MLX.
//   * scenes: random Gaussians, binned by a plain loop (every Gaussian whose square of radius r
//     around the mean overlaps a tile, per tile sorted by depth, ties by index);
//   * forward: each pixel walks its tile's list in order with the contract's rules;
//   * decisions: the forward can record, per pixel, which list entries contribute and how much the
//     0.99 clamp took off (o G - alpha), and a later forward can replay them. Replayed, skip, stop
//     and clamp are constants and the clamp passes the gradient through, which is exactly the
//     contract's backward, so central differences of the replayed forward check it everywhere;
//   * backward: the analytic gradient, from stored per-pixel transmittances and suffix sums (no
//     division by 1 - alpha to recover T, unlike the twins).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace blend_ref {

constexpr int kTile = 16;

// Operands as the op takes them (float32, int32), and the image settings.
struct Scene {
  int width = 0, height = 0;
  std::array<float, 3> background{0, 0, 0};
  std::vector<float> means2d, conics, opacities, colors, inv_depths, radii, depths;
  std::vector<std::int32_t> point_list, tile_ranges;
  int n() const { return static_cast<int>(opacities.size()); }
  int tiles_x() const { return (width + kTile - 1) / kTile; }
  int tiles_y() const { return (height + kTile - 1) / kTile; }
};

// Per tile, in order: the Gaussians whose square [mean - r, mean + r] meets the tile, by depth.
inline void bin(Scene& s) {
  const int tx = s.tiles_x(), ty = s.tiles_y();
  s.point_list.clear();
  s.tile_ranges.assign(2 * std::size_t(tx) * ty, 0);
  for (int t = 0; t < tx * ty; ++t) {
    const double x0 = t % tx * kTile, y0 = t / tx * kTile;
    std::vector<int> ids;
    for (int i = 0; i < s.n(); ++i) {
      const double mx = s.means2d[2 * i], my = s.means2d[2 * i + 1], r = s.radii[i];
      if (mx + r >= x0 && mx - r <= x0 + kTile - 1 && my + r >= y0 && my - r <= y0 + kTile - 1) ids.push_back(i);
    }
    std::stable_sort(ids.begin(), ids.end(), [&](int a, int b) { return s.depths[a] < s.depths[b]; });
    s.tile_ranges[2 * t] = static_cast<std::int32_t>(s.point_list.size());
    s.point_list.insert(s.point_list.end(), ids.begin(), ids.end());
    s.tile_ranges[2 * t + 1] = static_cast<std::int32_t>(s.point_list.size());
  }
}

struct SceneOptions {
  double sigma_min = 1.5, sigma_max = 8.0;  // standard deviations of the 2D Gaussians (px)
  double opacity_min = 0.05, opacity_max = 0.95;
  double margin = 10;  // centres up to this far outside the image
};

// n random Gaussians (conics of dilated covariances, radius 3 sigma of the larger axis), binned.
inline Scene random_scene(int n, int width, int height, unsigned seed, SceneOptions o = {}) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Scene s;
  s.width = width, s.height = height;
  s.background = {0.2f, 0.5f, 0.9f};
  for (int i = 0; i < n; ++i) {
    s.means2d.push_back(float(-o.margin + u(rng) * (width + 2 * o.margin)));
    s.means2d.push_back(float(-o.margin + u(rng) * (height + 2 * o.margin)));
    const double s1 = o.sigma_min + u(rng) * (o.sigma_max - o.sigma_min);
    const double s2 = o.sigma_min + u(rng) * (o.sigma_max - o.sigma_min), th = u(rng) * 3.14159;
    const double c = std::cos(th), sn = std::sin(th);
    const double xx = c * c * s1 * s1 + sn * sn * s2 * s2 + 0.3, yy = sn * sn * s1 * s1 + c * c * s2 * s2 + 0.3;
    const double xy = c * sn * (s1 * s1 - s2 * s2), det = xx * yy - xy * xy;
    s.conics.insert(s.conics.end(), {float(yy / det), float(-xy / det), float(xx / det)});
    s.radii.push_back(float(std::ceil(3.0 * std::sqrt(std::max(xx, yy) + std::abs(xy)))));
    s.opacities.push_back(float(o.opacity_min + u(rng) * (o.opacity_max - o.opacity_min)));
    for (int c3 = 0; c3 < 3; ++c3) s.colors.push_back(float(u(rng)));
    s.depths.push_back(float(1.0 + 9.0 * u(rng)));
    s.inv_depths.push_back(1.0f / s.depths.back());
  }
  bin(s);
  return s;
}

// The differentiable parameters in double (what a finite difference perturbs).
struct Params {
  std::vector<double> means2d, conics, opacities, colors, inv_depths;
  std::array<std::vector<double>*, 5> all() { return {&means2d, &conics, &opacities, &colors, &inv_depths}; }
  std::array<const std::vector<double>*, 5> all() const {
    return {&means2d, &conics, &opacities, &colors, &inv_depths};
  }
};
inline Params params_of(const Scene& s) {
  auto d = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  return {d(s.means2d), d(s.conics), d(s.opacities), d(s.colors), d(s.inv_depths)};
}

struct Contribution {
  int k;          // position in the tile's list
  double offset;  // o G - alpha (what the clamp took off)
};
using Decisions = std::vector<std::vector<Contribution>>;  // per pixel (y * W + x)

struct Images {
  std::vector<double> color, inv_depth, alpha, final_t;  // [3, H, W], [H, W] ...
  std::vector<int> n_contrib;
};

// The contract's forward; records the decisions into `record`, or replays `replay`.
inline Images forward(const Scene& s, const Params& p, Decisions* record = nullptr, const Decisions* replay = nullptr) {
  const int W = s.width, H = s.height;
  const std::size_t plane = std::size_t(W) * H;
  Images im{std::vector<double>(3 * plane), std::vector<double>(plane), std::vector<double>(plane),
            std::vector<double>(plane), std::vector<int>(plane)};
  if (record) record->assign(plane, {});
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const int t = y / kTile * s.tiles_x() + x / kTile, start = s.tile_ranges[2 * t], end = s.tile_ranges[2 * t + 1];
      const std::size_t px = std::size_t(y) * W + x;
      double T = 1, C[3] = {0, 0, 0}, D = 0;
      int last = 0;
      auto add = [&](int k, double alpha) {
        const int id = s.point_list[start + k];
        for (int c = 0; c < 3; ++c) C[c] += p.colors[3 * id + c] * alpha * T;
        D += p.inv_depths[id] * alpha * T;
        T *= 1 - alpha;
        last = k + 1;
      };
      auto og = [&](int k) {  // opacity * G
        const int id = s.point_list[start + k];
        const double dx = p.means2d[2 * id] - x, dy = p.means2d[2 * id + 1] - y;
        const double* q = &p.conics[3 * id];
        return p.opacities[id] * std::exp(-0.5 * (q[0] * dx * dx + q[2] * dy * dy) - q[1] * dx * dy);
      };
      if (replay) {
        for (const Contribution& c : (*replay)[px]) add(c.k, og(c.k) - c.offset);
      } else {
        for (int k = 0; k < end - start; ++k) {
          const int id = s.point_list[start + k];
          const double dx = p.means2d[2 * id] - x, dy = p.means2d[2 * id + 1] - y;
          const double* q = &p.conics[3 * id];
          const double power = -0.5 * (q[0] * dx * dx + q[2] * dy * dy) - q[1] * dx * dy;
          if (power > 0) continue;
          const double a = std::min(0.99, og(k));
          if (a < 1.0 / 255) continue;
          if (T * (1 - a) < 1e-4) break;
          if (record) (*record)[px].push_back({k, og(k) - a});
          add(k, a);
        }
      }
      for (int c = 0; c < 3; ++c) im.color[c * plane + px] = C[c] + T * s.background[c];
      im.inv_depth[px] = D, im.alpha[px] = 1 - T, im.final_t[px] = T, im.n_contrib[px] = last;
    }
  }
  return im;
}

// Cotangents of color [3, H, W], inv_depth [H, W], alpha [H, W]; the loss is their dot product
// with the images.
struct Cotangents {
  std::vector<double> color, inv_depth, alpha;
};
inline double loss(const Images& im, const Cotangents& g) {
  return std::inner_product(im.color.begin(), im.color.end(), g.color.begin(), 0.0) +
         std::inner_product(im.inv_depth.begin(), im.inv_depth.end(), g.inv_depth.begin(), 0.0) +
         std::inner_product(im.alpha.begin(), im.alpha.end(), g.alpha.begin(), 0.0);
}
inline Cotangents random_cotangents(const Scene& s, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> nd;
  const std::size_t plane = std::size_t(s.width) * s.height;
  Cotangents g{std::vector<double>(3 * plane), std::vector<double>(plane), std::vector<double>(plane)};
  for (auto* v : {&g.color, &g.inv_depth, &g.alpha})
    for (auto& x : *v) x = nd(rng);
  return g;
}

// The analytic backward (graphdeco's semantics): with T_i in front of Gaussian i and T_f at the end,
// d color / d alpha_i = T_i c_i - (sum_{k > i} c_k alpha_k T_k + T_f bg) / (1 - alpha_i), the same
// for inv_depth without bg, d alpha_img / d alpha_i = T_f / (1 - alpha_i); alpha = o G clamped,
// the clamp passed through; G = exp(power).
inline Params backward(const Scene& s, const Params& p, const Cotangents& g) {
  Params out{std::vector<double>(p.means2d.size()), std::vector<double>(p.conics.size()),
             std::vector<double>(p.opacities.size()), std::vector<double>(p.colors.size()),
             std::vector<double>(p.inv_depths.size())};
  Decisions dec;
  forward(s, p, &dec);
  const int W = s.width, H = s.height;
  const std::size_t plane = std::size_t(W) * H;
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const std::size_t px = std::size_t(y) * W + x;
      const int t = y / kTile * s.tiles_x() + x / kTile, start = s.tile_ranges[2 * t];
      const auto& list = dec[px];
      const std::size_t m = list.size();
      std::vector<double> alpha(m), Ti(m + 1, 1.0), G(m);
      for (std::size_t i = 0; i < m; ++i) {
        const int id = s.point_list[start + list[i].k];
        const double dx = p.means2d[2 * id] - x, dy = p.means2d[2 * id + 1] - y;
        const double* q = &p.conics[3 * id];
        G[i] = std::exp(-0.5 * (q[0] * dx * dx + q[2] * dy * dy) - q[1] * dx * dy);
        alpha[i] = p.opacities[id] * G[i] - list[i].offset;
        Ti[i + 1] = Ti[i] * (1 - alpha[i]);
      }
      const double tf = Ti[m], dc[3] = {g.color[px], g.color[plane + px], g.color[2 * plane + px]};
      double behind[3] = {0, 0, 0}, behind_d = 0;  // sum over k > i of c_k alpha_k T_k
      for (std::size_t i = m; i-- > 0;) {
        const int id = s.point_list[start + list[i].k];
        double dl_da = 0;
        for (int c = 0; c < 3; ++c) {
          const double col = p.colors[3 * id + c];
          dl_da += dc[c] * (Ti[i] * col - (behind[c] + tf * s.background[c]) / (1 - alpha[i]));
          out.colors[3 * id + c] += dc[c] * alpha[i] * Ti[i];
          behind[c] += col * alpha[i] * Ti[i];
        }
        dl_da += g.inv_depth[px] * (Ti[i] * p.inv_depths[id] - behind_d / (1 - alpha[i]));
        out.inv_depths[id] += g.inv_depth[px] * alpha[i] * Ti[i];
        behind_d += p.inv_depths[id] * alpha[i] * Ti[i];
        dl_da += g.alpha[px] * tf / (1 - alpha[i]);
        const double o = p.opacities[id], dl_dpow = dl_da * o * G[i];
        const double dx = p.means2d[2 * id] - x, dy = p.means2d[2 * id + 1] - y;
        const double* q = &p.conics[3 * id];
        out.opacities[id] += dl_da * G[i];
        out.means2d[2 * id] += dl_dpow * (-q[0] * dx - q[1] * dy);
        out.means2d[2 * id + 1] += dl_dpow * (-q[2] * dy - q[1] * dx);
        out.conics[3 * id] += dl_dpow * -0.5 * dx * dx;
        out.conics[3 * id + 1] += dl_dpow * -dx * dy;
        out.conics[3 * id + 2] += dl_dpow * -0.5 * dy * dy;
      }
    }
  }
  return out;
}

// Central differences of loss(forward replaying the base point's decisions).
inline Params finite_differences(const Scene& s, const Params& p, const Cotangents& g, double eps) {
  Decisions dec;
  forward(s, p, &dec);
  Params q = p, out = p;
  for (int a = 0; a < 5; ++a) {
    for (std::size_t i = 0; i < q.all()[a]->size(); ++i) {
      double& x = (*q.all()[a])[i];
      const double v = x;
      x = v + eps;
      const double up = loss(forward(s, q, nullptr, &dec), g);
      x = v - eps;
      const double down = loss(forward(s, q, nullptr, &dec), g);
      x = v;
      (*out.all()[a])[i] = (up - down) / (2 * eps);
    }
  }
  return out;
}

// max |got - want| / max(max |want|, floor) over one array.
template <typename A, typename B>
double relative_error(const A& got, const B& want, double floor = 1e-12) {
  double e = 0, m = floor;
  for (std::size_t i = 0; i < want.size(); ++i) {
    e = std::max(e, std::abs(double(got[i]) - double(want[i])));
    m = std::max(m, std::abs(double(want[i])));
  }
  return e / m;
}

}  // namespace blend_ref
