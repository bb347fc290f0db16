// SPDX-License-Identifier: Apache-2.0
// The CPU twin's loops (blend_tiles_cpu.cpp wraps them in Primitives). Threads take whole tiles;
// a tile copies its Gaussians' parameters into contiguous scratch once, then blends pixel by
// pixel (each pixel stops at its own early exit, as on the GPU). Most pixels of a tile lie
// outside most of its Gaussians' alpha >= 1/255 ellipses: a per-Gaussian bound on the power
// (blend_skip_below) rejects those without the exp, with the same decisions.
// Backward, deterministic without atomics: each tile adds its pixels' gradients, in pixel order,
// into its own slice of a per-pair buffer [10][R] (one row per gradient component); then each
// gradient array is summed over the pairs in list order by one thread. Memory: 40 B per pair.
#include <algorithm>
#include <cstring>
#include <vector>

#include "robomlx/core/parallel.h"
#include "robomlx/splat/blend_tiles_internal.h"

namespace robomlx::splat::detail {

namespace {

constexpr int kComponents = 10;  // means2d x y, conic a b c, opacity, color r g b, inv_depth

// A tile's Gaussians, gathered in list order.
struct TileScratch {
  std::vector<float> mean, conic, opacity, skip_below, color, inv_depth;
  void gather(const BlendCpuArgs& a, int start, int n, bool with_features) {
    mean.resize(2 * std::size_t(n));
    conic.resize(3 * std::size_t(n));
    opacity.resize(n);
    skip_below.resize(n);
    if (with_features) color.resize(3 * std::size_t(n)), inv_depth.resize(n);
    for (int k = 0; k < n; ++k) {
      const std::int64_t id = a.point_list[start + k];
      std::memcpy(&mean[2 * k], a.means2d + 2 * id, 2 * sizeof(float));
      std::memcpy(&conic[3 * k], a.conics + 3 * id, 3 * sizeof(float));
      opacity[k] = a.opacities[id];
      skip_below[k] = blend_skip_below(opacity[k]);
      if (with_features) {
        std::memcpy(&color[3 * k], a.colors + 3 * id, 3 * sizeof(float));
        inv_depth[k] = a.inv_depths[id];
      }
    }
  }
  // Entry k at pixel (x, y): blend_alpha.
  bool alpha(int k, int x, int y, float& al, float& g, float& dx, float& dy) const {
    return blend_alpha(&mean[2 * k], &conic[3 * k], opacity[k], skip_below[k], float(x), float(y), al, g, dx, dy);
  }
};

struct TileRect {
  int start, n, x0, y0, x1, y1;
};

TileRect tile_rect(const BlendCpuArgs& a, int tile) {
  const int tiles_x = (a.width + kTileSize - 1) / kTileSize;
  const int x0 = tile % tiles_x * kTileSize, y0 = tile / tiles_x * kTileSize;
  const int start = a.tile_ranges[2 * tile], end = a.tile_ranges[2 * tile + 1];
  const int x1 = std::min(a.width, x0 + kTileSize), y1 = std::min(a.height, y0 + kTileSize);
  return {start, std::max(0, end - start), x0, y0, x1, y1};
}

int num_tiles(const BlendCpuArgs& a) {
  return ((a.width + kTileSize - 1) / kTileSize) * ((a.height + kTileSize - 1) / kTileSize);
}

}  // namespace

void blend_forward_loop(const BlendCpuArgs& a, float* color, float* inv_depth, float* alpha, float* final_t,
                        std::int32_t* n_contrib) {
  const std::int64_t plane = std::int64_t(a.width) * a.height;
  parallel_for(num_tiles(a), 1, [&](std::int64_t t0, std::int64_t t1) {
    TileScratch sc;
    for (std::int64_t tile = t0; tile < t1; ++tile) {
      const TileRect r = tile_rect(a, static_cast<int>(tile));
      sc.gather(a, r.start, r.n, false);
      for (int y = r.y0; y < r.y1; ++y) {
        for (int x = r.x0; x < r.x1; ++x) {
          float T = 1.0f, C[3] = {0.0f, 0.0f, 0.0f}, D = 0.0f;
          int last = 0;
          for (int k = 0; k < r.n; ++k) {
            float al, g, dx, dy;
            if (!sc.alpha(k, x, y, al, g, dx, dy)) continue;
            const float test_t = T * (1.0f - al);
            if (test_t < kBlendMinT) break;  // this Gaussian is not added
            const std::int64_t id = a.point_list[r.start + k];
            for (int c = 0; c < 3; ++c) C[c] += a.colors[3 * id + c] * al * T;
            D += a.inv_depths[id] * al * T;
            T = test_t;
            last = k + 1;
          }
          const std::int64_t p = std::int64_t(y) * a.width + x;
          for (int c = 0; c < 3; ++c) color[c * plane + p] = C[c] + T * a.background[c];
          inv_depth[p] = D;
          alpha[p] = 1.0f - T;
          final_t[p] = T;
          n_contrib[p] = last;
        }
      }
    }
  });
}

void blend_backward_loop(const BlendCpuArgs& a, const float* final_t, const std::int32_t* n_contrib,
                         const float* d_color, const float* d_inv_depth, const float* d_alpha, float* g_means2d,
                         float* g_conics, float* g_opacities, float* g_colors, float* g_inv_depths) {
  const std::int64_t plane = std::int64_t(a.width) * a.height, R = a.num_pairs;
  std::vector<float> pairs(std::size_t(kComponents) * R, 0.0f);
  parallel_for(num_tiles(a), 1, [&](std::int64_t t0, std::int64_t t1) {
    TileScratch sc;
    std::vector<float> acc;  // [n][10] for the tile
    for (std::int64_t tile = t0; tile < t1; ++tile) {
      const TileRect r = tile_rect(a, static_cast<int>(tile));
      if (r.n == 0) continue;
      sc.gather(a, r.start, r.n, true);
      acc.assign(std::size_t(kComponents) * r.n, 0.0f);
      for (int y = r.y0; y < r.y1; ++y) {
        for (int x = r.x0; x < r.x1; ++x) {
          const std::int64_t p = std::int64_t(y) * a.width + x;
          const int last = n_contrib[p];
          if (last == 0) continue;
          const float t_final = final_t[p];
          const float dc[3] = {d_color[p], d_color[plane + p], d_color[2 * plane + p]};
          const float dd = d_inv_depth[p];
          // Moving the final transmittance moves the background and the alpha image.
          const float* bg = a.background;
          const float d_tfinal = d_alpha[p] - (bg[0] * dc[0] + bg[1] * dc[1] + bg[2] * dc[2]);
          float T = t_final, behind[3] = {0.0f, 0.0f, 0.0f}, behind_d = 0.0f;
          for (int k = last - 1; k >= 0; --k) {
            float al, g, dx, dy;
            if (!sc.alpha(k, x, y, al, g, dx, dy)) continue;
            const float* conic = &sc.conic[3 * k];
            const float keep = 1.0f - al;
            T = T / keep;  // transmittance in front of this Gaussian
            float* gk = &acc[std::size_t(kComponents) * k];
            const float* col = &sc.color[3 * k];
            float dl_dalpha = 0.0f;
            for (int c = 0; c < 3; ++c) {
              dl_dalpha += (col[c] - behind[c]) * dc[c];
              gk[6 + c] += al * T * dc[c];
              behind[c] = al * col[c] + keep * behind[c];
            }
            dl_dalpha += (sc.inv_depth[k] - behind_d) * dd;
            gk[9] += al * T * dd;
            behind_d = al * sc.inv_depth[k] + keep * behind_d;
            dl_dalpha = dl_dalpha * T + d_tfinal * t_final / keep;
            // The clamp is passed through: d alpha / d (opacity G) = 1.
            const float dl_dg = sc.opacity[k] * dl_dalpha;
            const float dl_dpower = g * dl_dg;
            gk[0] += dl_dpower * (-conic[0] * dx - conic[1] * dy);
            gk[1] += dl_dpower * (-conic[2] * dy - conic[1] * dx);
            gk[2] += -0.5f * dx * dx * dl_dpower;
            gk[3] += -dx * dy * dl_dpower;
            gk[4] += -0.5f * dy * dy * dl_dpower;
            gk[5] += g * dl_dalpha;
          }
        }
      }
      for (int j = 0; j < kComponents; ++j)
        for (int k = 0; k < r.n; ++k) pairs[std::size_t(j) * R + r.start + k] = acc[std::size_t(kComponents) * k + j];
    }
  });
  // One thread per gradient array (no false sharing between threads): a fixed order of additions
  // whatever the thread count.
  struct Target {
    float* out;
    int width, first;  // components [first, first + width) of the pair buffer
  };
  const Target targets[5] = {{g_means2d, 2, 0}, {g_conics, 3, 2}, {g_opacities, 1, 5}, {g_colors, 3, 6},
                             {g_inv_depths, 1, 9}};
  parallel_for(5, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      const Target o = targets[t];
      std::fill(o.out, o.out + std::int64_t(a.num_gaussians) * o.width, 0.0f);
      for (int c = 0; c < o.width; ++c) {
        const float* src = pairs.data() + std::size_t(o.first + c) * R;
        for (std::int64_t q = 0; q < R; ++q) o.out[std::int64_t(a.point_list[q]) * o.width + c] += src[q];
      }
    }
  });
}

}  // namespace robomlx::splat::detail
