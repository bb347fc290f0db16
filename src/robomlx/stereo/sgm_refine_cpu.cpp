// SPDX-License-Identifier: Apache-2.0
// CPU twin of the coarse-to-fine refinement (sgm.cpp `refine`): same census costs, 7x7 box
// sums and WTA + parabola, so it matches the portable path to float rounding.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "robomlx/stereo/sgm_cpu_util.h"
#include "robomlx/stereo/sgm_host_primitive.h"
#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
void refine_host(const float* left, const float* right, const float* coarse, int h, int w, const CoreParams& p,
                 int radius, float* out) {
  const std::size_t n = std::size_t(h) * w;
  const int nk = 2 * radius + 1, b = kRefineBox;
  std::vector<std::uint64_t> cl(n), cr(n);
  std::vector<std::uint16_t> cost(n * nk), rows(n * nk);
  std::vector<int> centre(n);
  parallel_for(h, 1, [&](int y0, int y1) {
    census_rows(left, h, w, p.census_w, p.census_h, cl.data(), y0, y1);
    census_rows(right, h, w, p.census_w, p.census_h, cr.data(), y0, y1);
  });
  const int outside = cost_max(p);
  parallel_for(h, 1, [&](int y0, int y1) {
    for (std::size_t i = std::size_t(y0) * w; i < std::size_t(y1) * w; ++i) {
      const int x = int(i % w);
      // nearbyint: round half to even, like mx::round.
      const int c = std::clamp(int(std::nearbyint(coarse[i])), p.min_d, p.min_d + p.num_d - 1);
      centre[i] = c;
      for (int k = 0; k < nk; ++k) {
        const int d = c + k - radius;
        const bool ok = d >= p.min_d && d < p.min_d + p.num_d && x - d >= 0;
        cost[i * nk + k] = std::uint16_t(ok ? __builtin_popcountll(cl[i] ^ cr[i - d]) : outside);
      }
    }
    // Horizontal box sums (edge-clamped) of these rows.
    for (int y = y0; y < y1; ++y)
      for (int x = 0; x < w; ++x)
        for (int k = 0; k < nk; ++k) {
          int acc = 0;
          for (int dx = -b; dx <= b; ++dx) acc += cost[(std::size_t(y) * w + std::clamp(x + dx, 0, w - 1)) * nk + k];
          rows[(std::size_t(y) * w + x) * nk + k] = std::uint16_t(acc);
        }
  });
  parallel_for(h, 1, [&](int y0, int y1) {
    std::vector<int> s(nk);
    for (int y = y0; y < y1; ++y)
      for (int x = 0; x < w; ++x) {
        const std::size_t i = std::size_t(y) * w + x;
        for (int k = 0; k < nk; ++k) {
          int acc = 0;
          for (int dy = -b; dy <= b; ++dy) acc += rows[(std::size_t(std::clamp(y + dy, 0, h - 1)) * w + x) * nk + k];
          s[k] = acc;
        }
        int kb = 0;
        for (int k = 1; k < nk; ++k)
          if (s[k] < s[kb]) kb = k;
        const float s1 = float(s[kb]), sm = float(s[std::max(kb - 1, 0)]), sp = float(s[std::min(kb + 1, nk - 1)]);
        const float denom = sm + sp - s1 * 2.f;
        const float offset = kb > 0 && kb < nk - 1 && denom > 0.f ? (sm - sp) / (2.f * std::max(denom, 1.f)) : 0.f;
        const float best = float(centre[i] + kb - radius) + (p.subpixel ? offset : 0.f);
        out[i] = coarse[i] >= 0.f ? best : -1.f;
      }
  });
}
}  // namespace

std::vector<mx::array> refine_cpu(const mx::array& left, const mx::array& right, const mx::array& coarse,
                                  const CoreParams& p, int radius) {
  return host_image_op("stereo.refine/cpu", {left, right, coarse}, 1,
                       [p, radius](const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w) {
                         refine_host(in[0], in[1], in[2], h, w, p, radius, out[0]);
                       });
}

}  // namespace robomlx::stereo::detail
