// SPDX-License-Identifier: Apache-2.0
// CPU twin of the coarse-to-fine path of compute_disparity (sgm.cpp: downsample, SGM core at
// 1/f, nearest upsampling, sgm_refine_portable) in one host op, so no MLX glue ops run between
// the stages.
// Same integer census costs, box sums and WTA + parabola as the portable path, so it matches it
// to float rounding. The area average is summed row-major and scaled by 1/f^2: exact for
// integer-valued images (uint8 sources) whatever order MLX sums in.
// Refinement: per row, the (2r+1) candidate costs go to an edge-padded row, the horizontal box
// sum is 7 shifted adds over that flat row and the vertical one 7 adds of whole rows (both
// vectorise over x * candidates); the sums are exact integers, so the order does not matter.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "robomlx/core/cpu_isa.h"
#include "robomlx/stereo/sgm_cpu_internal.h"
#include "robomlx/stereo/sgm_twins.h"

namespace robomlx::stereo::detail {

namespace {
constexpr int kBoxTaps = 2 * kRefineBox + 1;

inline int centre_of(float coarse, const CoreParams& p) {
  // nearbyint: round half to even, like mx::round.
  return std::clamp(int(std::nearbyint(coarse)), p.min_d, p.min_d + p.num_d - 1);
}

// Candidate costs of one row into pc: (w + 2 b) pixels of nk values, edge-replicated by b pixels.
inline __attribute__((always_inline)) void cost_row_body(const std::uint64_t* cl, const std::uint64_t* cr,
                                                         const float* coarse, int w, const CoreParams& p, int radius,
                                                         std::uint16_t* pc) {
  const int nk = 2 * radius + 1, b = kRefineBox, outside = cost_max(p), dmax = p.min_d + p.num_d;
  std::uint16_t* row = pc + std::size_t(b) * nk;
  for (int x = 0; x < w; ++x) {
    const int c = centre_of(coarse[x], p);
    for (int k = 0; k < nk; ++k) {
      const int d = c + k - radius;
      const bool ok = d >= p.min_d && d < dmax && x - d >= 0;
      row[x * nk + k] = std::uint16_t(ok ? __builtin_popcountll(cl[x] ^ cr[ok ? x - d : 0]) : outside);
    }
  }
  for (int i = 0; i < b; ++i) {
    std::memcpy(pc + std::size_t(i) * nk, row, sizeof(std::uint16_t) * nk);
    std::memcpy(row + std::size_t(w + i) * nk, row + std::size_t(w - 1) * nk, sizeof(std::uint16_t) * nk);
  }
}
#if ROBOMLX_STEREO_X86
__attribute__((target("avx2,popcnt"))) void cost_row_hw(const std::uint64_t* cl, const std::uint64_t* cr,
                                                        const float* coarse, int w, const CoreParams& p, int radius,
                                                        std::uint16_t* pc) {
  cost_row_body(cl, cr, coarse, w, p, radius, pc);
}
#endif
void refine_cost_row(const std::uint64_t* cl, const std::uint64_t* cr, const float* coarse, int w,
                     const CoreParams& p, int radius, std::uint16_t* pc) {
#if ROBOMLX_STEREO_X86
  static const bool hw = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx2") && cpu_isa_allowed(CpuIsa::avx2);
  if (hw) return cost_row_hw(cl, cr, coarse, w, p, radius, pc);
#endif
  cost_row_body(cl, cr, coarse, w, p, radius, pc);
}

// hs[i] = sum_j pc[i + j * nk], i < n: the horizontal box over a padded row.
ROBOMLX_SIMD_CLONES void box_row(const std::uint16_t* pc, int n, int nk, std::uint16_t* hs) {
  for (int i = 0; i < n; ++i) {
    std::uint16_t acc = 0;
    for (int j = 0; j < kBoxTaps; ++j) acc = std::uint16_t(acc + pc[i + j * nk]);
    hs[i] = acc;
  }
}

// vs[i] = sum of the kBoxTaps rows (already edge-clamped pointers).
ROBOMLX_SIMD_CLONES void sum_rows(const std::uint16_t* const* rows, int n, std::uint16_t* vs) {
  for (int i = 0; i < n; ++i) {
    std::uint16_t acc = 0;
    for (int j = 0; j < kBoxTaps; ++j) acc = std::uint16_t(acc + rows[j][i]);
    vs[i] = acc;
  }
}

struct Workspace {
  std::vector<std::uint64_t> cl, cr;
  std::vector<std::uint16_t> hs;
  std::vector<float> small, up;
};
std::mutex cache_mutex;
std::unique_ptr<Workspace> cached;
std::unique_ptr<Workspace> take_workspace() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return cached ? std::move(cached) : std::make_unique<Workspace>();
}
void return_workspace(std::unique_ptr<Workspace> ws) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  cached = std::move(ws);
}

template <typename T>
T* sized(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Writes the refined disparity of every pixel (sgm.cpp `refine`); coarse is full resolution.
void refine_host(Workspace& ws, const float* left, const float* right, const float* coarse, int h, int w,
                 const CoreParams& p, int radius, float* out) {
  const std::size_t n = std::size_t(h) * w;
  const int nk = 2 * radius + 1, b = kRefineBox, row_n = w * nk;
  std::uint64_t* cl = sized(ws.cl, n);
  std::uint64_t* cr = sized(ws.cr, n);
  std::uint16_t* hs = sized(ws.hs, n * nk);
  parallel_for(h, 8, [&](int y0, int y1) {
    census_rows(left, h, w, p.census_w, p.census_h, cl, y0, y1);
    census_rows(right, h, w, p.census_w, p.census_h, cr, y0, y1);
  });
  parallel_for(h, 8, [&](int y0, int y1) {
    std::vector<std::uint16_t> pc(std::size_t(w + 2 * b) * nk);
    for (int y = y0; y < y1; ++y) {
      const std::size_t o = std::size_t(y) * w;
      refine_cost_row(cl + o, cr + o, coarse + o, w, p, radius, pc.data());
      box_row(pc.data(), row_n, nk, hs + o * nk);
    }
  });
  parallel_for(h, 8, [&](int y0, int y1) {
    std::vector<std::uint16_t> vs(row_n);
    const std::uint16_t* rows[kBoxTaps];
    for (int y = y0; y < y1; ++y) {
      for (int j = 0; j < kBoxTaps; ++j) rows[j] = hs + std::size_t(std::clamp(y + j - b, 0, h - 1)) * row_n;
      sum_rows(rows, row_n, vs.data());
      for (int x = 0; x < w; ++x) {
        const std::size_t i = std::size_t(y) * w + x;
        const std::uint16_t* s = vs.data() + x * nk;
        int kb = 0;
        for (int k = 1; k < nk; ++k)
          if (s[k] < s[kb]) kb = k;
        const float s1 = float(s[kb]), sm = float(s[std::max(kb - 1, 0)]), sp = float(s[std::min(kb + 1, nk - 1)]);
        const float denom = sm + sp - s1 * 2.f;
        const float offset = kb > 0 && kb < nk - 1 && denom > 0.f ? (sm - sp) / (2.f * std::max(denom, 1.f)) : 0.f;
        const float best = float(centre_of(coarse[i], p) + kb - radius) + (p.subpixel ? offset : 0.f);
        out[i] = coarse[i] >= 0.f ? best : -1.f;
      }
    }
  });
}

// Area average by f of an edge-padded image into [hc, wc].
void downsample(const float* img, int h, int w, int f, float* out, int hc, int wc) {
  const float scale = 1.f / float(f * f);
  parallel_for(hc, 8, [&](int y0, int y1) {
    for (int yc = y0; yc < y1; ++yc)
      for (int xc = 0; xc < wc; ++xc) {
        float acc = 0.f;
        for (int dy = 0; dy < f; ++dy) {
          const float* row = img + std::size_t(std::min(yc * f + dy, h - 1)) * w;
          for (int dx = 0; dx < f; ++dx) acc += row[std::min(xc * f + dx, w - 1)];
        }
        out[std::size_t(yc) * wc + xc] = acc * scale;
      }
  });
}

void pyramid_host(const float* left, const float* right, int h, int w, const CoreParams& p, const CoreParams& pc,
                  int f, int radius, float* disparity, float* confidence) {
  auto ws = take_workspace();
  const int hc = (h + f - 1) / f, wc = (w + f - 1) / f;
  const std::size_t nc = std::size_t(hc) * wc, n = std::size_t(h) * w;
  float* small = sized(ws->small, 4 * nc);
  float *ls = small, *rs = small + nc, *dc = small + 2 * nc, *cc = small + 3 * nc;
  downsample(left, h, w, f, ls, hc, wc);
  downsample(right, h, w, f, rs, hc, wc);
  sgm_core_host(ls, rs, hc, wc, pc, dc, cc);
  float* up = radius > 0 ? sized(ws->up, n) : disparity;
  const float ff = float(f);
  parallel_for(h, 8, [&](int y0, int y1) {
    for (int y = y0; y < y1; ++y) {
      const float* d = dc + std::size_t(y / f) * wc;
      const float* c = cc + std::size_t(y / f) * wc;
      for (int x = 0; x < w; ++x) {
        const float v = d[x / f];
        up[std::size_t(y) * w + x] = v >= 0.f ? v * ff : -1.f;
        confidence[std::size_t(y) * w + x] = c[x / f];
      }
    }
  });
  if (radius > 0) refine_host(*ws, left, right, up, h, w, p, radius, disparity);
  return_workspace(std::move(ws));
}
}  // namespace

mx::array sgm_refine_cpu(const mx::array& left, const mx::array& right, const mx::array& coarse, const CoreParams& p,
                         int radius, mx::Stream s) {
  return host_image_op("stereo.refine/cpu", {left, right, coarse}, 1,
                       [p, radius](const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w) {
                         auto ws = take_workspace();
                         refine_host(*ws, in[0], in[1], in[2], h, w, p, radius, out[0]);
                         return_workspace(std::move(ws));
                       },
                       s)[0];
}

std::vector<mx::array> sgm_pyramid_cpu(const mx::array& left, const mx::array& right, const CoreParams& p,
                                       const CoreParams& coarse, int factor, int radius, mx::Stream s) {
  return host_image_op("stereo.sgm.pyramid/cpu", {left, right}, 2,
                       [p, coarse, factor, radius](const std::vector<const float*>& in, const std::vector<float*>& out,
                                                   int h, int w) {
                         pyramid_host(in[0], in[1], h, w, p, coarse, factor, radius, out[0], out[1]);
                       },
                       s);
}

}  // namespace robomlx::stereo::detail
