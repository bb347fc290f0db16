// SPDX-License-Identifier: Apache-2.0
// Threaded CPU twin of the SGM core (cost .. median), matching the portable path exactly
// (see sgm_internal.h). Costs are uint8, path costs and sums uint16 (S <= paths * (cost_max
// + P2) < 65536 by the option limits). Horizontal paths run per row in parallel; vertical and
// diagonal paths sweep rows in order with the columns split across threads and a barrier per
// row. Hot loops are cloned for AVX2 (+popcnt) with a generic fallback.
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "robomlx/stereo/sgm_host_primitive.h"
#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
constexpr std::uint16_t kSentinel = 0x7FFF;
#define ROBOMLX_SIMD_CLONES __attribute__((target_clones("arch=haswell", "default")))

int thread_count(int work_items) {
  const int hw = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, std::min({hw, 16, work_items}));
}

template <class F>
void parallel_for(int n, F&& f) {
  const int t = thread_count(n);
  if (t == 1) {
    f(0, n);
    return;
  }
  std::vector<std::thread> pool;
  for (int i = 0; i < t; ++i) pool.emplace_back([&, i] { f(n * i / t, n * (i + 1) / t); });
  for (auto& th : pool) th.join();
}

void census_rows(const float* img, int h, int w, int cw, int ch, std::uint64_t* out, int y0, int y1) {
  const int rx = cw / 2, ry = ch / 2;
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < w; ++x) {
      const float c = img[std::size_t(y) * w + x];
      std::uint64_t bits = 0;
      int b = 0;
      for (int dy = -ry; dy <= ry; ++dy) {
        const int yy = std::clamp(y + dy, 0, h - 1);
        for (int dx = -rx; dx <= rx; ++dx) {
          if (dy == 0 && dx == 0) continue;
          const int xx = std::clamp(x + dx, 0, w - 1);
          bits |= std::uint64_t(img[std::size_t(yy) * w + xx] < c) << b;
          ++b;
        }
      }
      out[std::size_t(y) * w + x] = bits;
    }
  }
}

ROBOMLX_SIMD_CLONES
void cost_row(const std::uint64_t* cl, const std::uint64_t* cr, const float* il, const float* ir, int w, int min_d,
              int nd, bool ad, std::uint8_t outside, std::uint8_t* out) {
  for (int x = 0; x < w; ++x) {
    std::uint8_t* c = out + std::size_t(x) * nd;
    for (int k = 0; k < nd; ++k) {
      const int xr = x - min_d - k;
      if (xr < 0) {
        c[k] = outside;
        continue;
      }
      int v = __builtin_popcountll(cl[x] ^ cr[xr]);
      if (ad) v += int(std::min(std::fabs(il[x] - ir[xr]), float(kAdTrunc))) >> kAdShift;
      c[k] = std::uint8_t(v);
    }
  }
}

// One path step at one pixel: prev points at D+2 values (sentinels at both ends).
ROBOMLX_SIMD_CLONES
std::uint16_t path_step(const std::uint16_t* prev, std::uint16_t pmin, const std::uint8_t* c, std::uint16_t* cur,
                        std::uint16_t* s, int nd, std::uint16_t p1, std::uint16_t p2) {
  const std::uint16_t lim = std::uint16_t(pmin + p2);
  std::uint16_t m = 0xFFFF;
  for (int k = 0; k < nd; ++k) {
    const std::uint16_t nb = std::uint16_t(std::min(prev[k], prev[k + 2]) + p1);
    const std::uint16_t v = std::min(std::min(prev[k + 1], nb), lim);
    const std::uint16_t l = std::uint16_t(c[k] + v - pmin);
    cur[k + 1] = l;
    s[k] = std::uint16_t(s[k] + l);
    m = std::min(m, l);
  }
  return m;
}

struct Volume {
  int h, w, nd;
  std::vector<std::uint8_t> cost;
  std::vector<std::uint16_t> sum;
  const std::uint8_t* c(int y, int x) const { return cost.data() + (std::size_t(y) * w + x) * nd; }
  std::uint16_t* s(int y, int x) { return sum.data() + (std::size_t(y) * w + x) * nd; }
};

void horizontal_paths(Volume& v, int y, std::uint16_t p1, std::uint16_t p2) {
  const int nd = v.nd;
  std::vector<std::uint16_t> a(nd + 2, kSentinel), b(nd + 2, kSentinel);
  for (int dir : {1, -1}) {
    std::fill(a.begin() + 1, a.end() - 1, 0);
    std::uint16_t pmin = 0;
    for (int i = 0; i < v.w; ++i) {
      const int x = dir > 0 ? i : v.w - 1 - i;
      pmin = path_step(a.data(), pmin, v.c(y, x), b.data(), v.s(y, x), nd, p1, p2);
      std::swap(a, b);
    }
  }
}

// Vertical (and with 8 paths the two diagonal) paths sweeping rows in direction dy.
void vertical_paths(Volume& v, int dy, int paths, std::uint16_t p1, std::uint16_t p2) {
  const int w = v.w, nd = v.nd, stride = nd + 2;
  const int dxs[3] = {0, 1, -1};
  const int np = paths == 8 ? 3 : 1;
  // buf[path][parity]: (W + 2) pixels of D + 2 values; pixels 0 and W + 1 are zero "starts".
  std::vector<std::uint16_t> buf(std::size_t(np) * 2 * (w + 2) * stride);
  std::vector<std::uint16_t> mins(std::size_t(np) * 2 * (w + 2), 0);
  for (std::size_t i = 0; i < buf.size(); i += stride) {
    buf[i] = kSentinel;
    std::fill(buf.begin() + i + 1, buf.begin() + i + stride - 1, 0);
    buf[i + stride - 1] = kSentinel;
  }
  auto row = [&](int path, int parity) { return buf.data() + (std::size_t(path) * 2 + parity) * (w + 2) * stride; };
  auto rmin = [&](int path, int parity) { return mins.data() + (std::size_t(path) * 2 + parity) * (w + 2); };
  const int t = thread_count(std::max(1, w / 32));
  std::barrier sync(t);
  auto worker = [&](int x0, int x1) {
    for (int i = 0; i < v.h; ++i) {
      const int y = dy > 0 ? i : v.h - 1 - i;
      const int cur = i & 1, prev = cur ^ 1;
      for (int p = 0; p < np; ++p) {
        const int dx = dxs[p];
        std::uint16_t* pr = row(p, prev);
        std::uint16_t* cr = row(p, cur);
        const std::uint16_t* pm = rmin(p, prev);
        std::uint16_t* cm = rmin(p, cur);
        for (int x = x0; x < x1; ++x) {
          const int xp = x - dx + 1;  // padded index of the predecessor column
          const bool first = i == 0;
          const std::uint16_t* src = pr + std::size_t(first ? 0 : xp) * stride;
          cm[x + 1] = path_step(src, first ? 0 : pm[xp], v.c(y, x), cr + std::size_t(x + 1) * stride, v.s(y, x), nd, p1, p2);
        }
      }
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < t; ++i) pool.emplace_back(worker, w * i / t, w * (i + 1) / t);
  for (auto& th : pool) th.join();
}

void select_row(Volume& v, int y, const CoreParams& p, float* disp, float* conf, std::vector<int>& kright) {
  const int w = v.w, nd = v.nd;
  constexpr int kInf = 1 << 30;
  if (p.lr_max_diff >= 0) {
    for (int xr = 0; xr < w; ++xr) {
      int best = kInf, kb = 0;
      for (int k = 0; k < nd; ++k) {
        const int x = xr + p.min_d + k;
        if (x >= w) break;
        const int s = v.s(y, x)[k];
        if (s < best) best = s, kb = k;
      }
      kright[xr] = kb;
    }
  }
  for (int x = 0; x < w; ++x) {
    const std::uint16_t* s = v.s(y, x);
    int k1 = 0;
    for (int k = 1; k < nd; ++k)
      if (s[k] < s[k1]) k1 = k;
    int s2 = kInf;
    for (int k = 0; k < nd; ++k)
      if (std::abs(k - k1) > 1) s2 = std::min(s2, int(s[k]));
    const float s1f = float(s[k1]), s2f = float(s2);
    bool valid = true;
    if (p.uniqueness > 0) valid = s2 == kInf || s2f * (100.f - p.uniqueness) >= s1f * 100.f;
    float d = float(k1 + p.min_d);
    if (p.subpixel && nd >= 3 && k1 > 0 && k1 < nd - 1) {
      const float sm = float(s[k1 - 1]), sp = float(s[k1 + 1]);
      const float denom = sm + sp - s1f * 2.f;
      if (denom > 0.f) d = d + (sm - sp) / (2.f * std::max(denom, 1.f));
    }
    if (p.lr_max_diff >= 0) {
      const int xm = x - p.min_d - k1;
      valid = valid && xm >= 0 && xm < w && std::abs(kright[std::max(0, std::min(xm, w - 1))] - k1) <= p.lr_max_diff;
    }
    float c = s2 == kInf ? 1.f : (s2f - s1f) / std::max(s2f, 1.f);
    if (s2 == 0) c = 0.f;
    disp[std::size_t(y) * w + x] = valid ? d : -1.f;
    conf[std::size_t(y) * w + x] = valid ? c : 0.f;
  }
}

void median_rows(const float* in, float* out, int h, int w, int size, int y0, int y1) {
  const int r = size / 2;
  std::vector<float> win(std::size_t(size) * size);
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < w; ++x) {
      int n = 0;
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx)
          win[n++] = in[std::size_t(std::clamp(y + dy, 0, h - 1)) * w + std::clamp(x + dx, 0, w - 1)];
      std::nth_element(win.begin(), win.begin() + n / 2, win.begin() + n);
      out[std::size_t(y) * w + x] = win[n / 2];
    }
  }
}
}  // namespace

void sgm_core_host(const float* left, const float* right, int h, int w, const CoreParams& p, float* disparity,
                   float* confidence) {
  const int nd = p.num_d;
  const std::size_t n = std::size_t(h) * w;
  std::vector<std::uint64_t> cl(n), cr(n);
  parallel_for(h, [&](int y0, int y1) {
    census_rows(left, h, w, p.census_w, p.census_h, cl.data(), y0, y1);
    census_rows(right, h, w, p.census_w, p.census_h, cr.data(), y0, y1);
  });
  Volume v{h, w, nd, std::vector<std::uint8_t>(n * nd), std::vector<std::uint16_t>(n * nd, 0)};
  const auto p1 = std::uint16_t(p.p1), p2 = std::uint16_t(p.p2);
  const auto outside = std::uint8_t(cost_max(p));
  const bool ad = p.cost == CostKind::ad_census;
  parallel_for(h, [&](int y0, int y1) {
    for (int y = y0; y < y1; ++y) {
      const std::size_t o = std::size_t(y) * w;
      cost_row(cl.data() + o, cr.data() + o, left + o, right + o, w, p.min_d, nd, ad, outside,
               v.cost.data() + o * nd);
      horizontal_paths(v, y, p1, p2);
    }
  });
  vertical_paths(v, 1, p.paths, p1, p2);
  vertical_paths(v, -1, p.paths, p1, p2);
  std::vector<float> raw(p.median > 1 ? n : 0);
  float* d_out = p.median > 1 ? raw.data() : disparity;
  parallel_for(h, [&](int y0, int y1) {
    std::vector<int> kright(w, 0);
    for (int y = y0; y < y1; ++y) select_row(v, y, p, d_out, confidence, kright);
  });
  if (p.median > 1) {
    parallel_for(h, [&](int y0, int y1) { median_rows(raw.data(), disparity, h, w, p.median, y0, y1); });
    for (std::size_t i = 0; i < n; ++i)
      if (!(disparity[i] >= 0.f)) confidence[i] = 0.f;
  }
}

std::vector<mx::array> sgm_core_cpu(const mx::array& left, const mx::array& right, const CoreParams& p) {
  return host_image_op("stereo.sgm/cpu", {left, right}, 2,
                       [p](const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w) {
                         sgm_core_host(in[0], in[1], h, w, p, out[0], out[1]);
                       });
}

}  // namespace robomlx::stereo::detail
