// SPDX-License-Identifier: Apache-2.0
// Threaded CPU twin of the SGM core (cost .. median), matching the portable path exactly
// (see sgm_internal.h). Costs are uint8, path costs uint8 when cost_max + P2 + P1 <= 255
// (the defaults) else uint16, sums uint16 (S <= paths * (cost_max + P2) < 32767 by the option
// limits); large buffers are reused between calls. With two or three threads the rows are
// visited by two sweeps that meet in the middle (two_sweeps), each visit running one horizontal
// path fused into its vertical and diagonal row (sgm_cpu_fused.cpp); otherwise horizontal paths
// run per row in parallel and the vertical and diagonal paths sweep rows in order with the
// columns split across threads and a barrier per row. Cost rows: sgm_cpu_cost.cpp; selection and
// median: sgm_cpu_select.cpp. Hot loops are cloned for AVX2 (+popcnt) with a generic fallback.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>


#include "robomlx/stereo/sgm_cpu_internal.h"
#include "robomlx/stereo/sgm_twins.h"

namespace robomlx::stereo::detail {

namespace {

// One path step at one pixel (path_cost over k): prev points at D+2 values (sentinels at both
// ends); s = s_in + L (s_in unused with kAssign; s may be s_in). uint8 path costs double the
// SIMD width.
template <typename L, bool kAssign = false>
inline __attribute__((always_inline)) L path_step(const L* prev, L pmin, const std::uint8_t* c, L* cur,
                                                  const std::uint16_t* s_in, std::uint16_t* s, int nd, L p1, L p2) {
  const L lim = L(pmin + p2);
  L m = L(~L(0));
  for (int k = 0; k < nd; ++k) {
    const L l = path_cost(prev, k, c[k], pmin, lim, p1);
    cur[k + 1] = l;
    s[k] = kAssign ? std::uint16_t(l) : std::uint16_t(s_in[k] + l);
    m = std::min(m, l);
  }
  return m;
}

// Sentinel outside the disparity range: sentinel + P1 must not wrap, and must be >= any
// pmin + P2 so it never wins.
template <typename L>
L sentinel(L p1) {
  return sizeof(L) == 1 ? L(255 - p1) : L(0x7FFF);
}

// Large scratch buffers, kept between calls (a video stream repeats the same size): fresh
// allocations cost page faults worth ~a third of the run. Uninitialised on purpose.
struct Workspace {
  std::size_t pixels = 0, cells = 0;
  std::unique_ptr<std::uint64_t[]> census;  // 2 * pixels
  std::unique_ptr<std::uint8_t[]> cost;     // cells
  std::unique_ptr<std::uint16_t[]> sum;     // cells
  std::unique_ptr<float[]> raw;             // pixels
  void reserve(std::size_t n, std::size_t c) {
    if (n > pixels) {
      census.reset(new std::uint64_t[2 * n]);
      raw.reset(new float[n]);
      pixels = n;
    }
    if (c > cells) {
      cost.reset(new std::uint8_t[c]);
      sum.reset(new std::uint16_t[c + 2 * kSumPad]);
      cells = c;
    }
  }
};

std::mutex cache_mutex;
std::unique_ptr<Workspace> cached_workspace;

std::unique_ptr<Workspace> take_workspace() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return cached_workspace ? std::move(cached_workspace) : std::make_unique<Workspace>();
}
void return_workspace(std::unique_ptr<Workspace> ws) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (!cached_workspace || cached_workspace->cells < ws->cells) cached_workspace = std::move(ws);
}


// Both horizontal paths of row y, interleaved: one step of each per iteration gives two
// independent dependency chains (a step waits for the previous step's minimum, a reduction
// across the disparities, so one chain alone is latency bound). The path that reaches a pixel
// first writes its S (S needs no clearing); the other adds.
template <typename L>
inline __attribute__((always_inline)) void horizontal_pair_body(Volume& v, int y, L p1, L p2) {
  const int nd = v.nd, w = v.w;
  std::vector<L> buf(4 * std::size_t(nd + 2), sentinel(p1));
  L *a = buf.data(), *b = a + (nd + 2), *c = b + (nd + 2), *d = c + (nd + 2);
  std::fill(a + 1, a + nd + 1, 0);
  std::fill(c + 1, c + nd + 1, 0);
  L ma = 0, mc = 0;
  for (int i = 0; i < w; ++i) {
    const int xl = i, xr = w - 1 - i;
    std::uint16_t *sl = v.s(y, xl), *sr = v.s(y, xr);
    ma = xl <= xr ? path_step<L, true>(a, ma, v.c(y, xl), b, sl, sl, nd, p1, p2)
                  : path_step<L>(a, ma, v.c(y, xl), b, sl, sl, nd, p1, p2);
    mc = xr > xl ? path_step<L, true>(c, mc, v.c(y, xr), d, sr, sr, nd, p1, p2)
                 : path_step<L>(c, mc, v.c(y, xr), d, sr, sr, nd, p1, p2);
    std::swap(a, b);
    std::swap(c, d);
  }
}
ROBOMLX_SIMD_CLONES void horizontal_paths(Volume& v, int y, std::uint8_t p1, std::uint8_t p2) {
  horizontal_pair_body(v, y, p1, p2);
}
ROBOMLX_SIMD_CLONES void horizontal_paths(Volume& v, int y, std::uint16_t p1, std::uint16_t p2) {
  horizontal_pair_body(v, y, p1, p2);
}

// One row of a vertical or diagonal path over columns [x0, x1): prev/cur rows are padded by one
// zero "start" pixel on each side; pixel x reads its predecessor at padded index x - dx + 1.
// out = sum + this path's costs (out may be sum).
template <typename L>
inline __attribute__((always_inline)) void path_row_chunk_body(const L* pr, const L* pm, L* cr, L* cm,
                                                               const std::uint8_t* cost, const std::uint16_t* sum,
                                                               std::uint16_t* out, int x0, int x1, int dx, bool first,
                                                               int nd, L p1, L p2) {
  const std::size_t stride = nd + 2;
  for (int x = x0; x < x1; ++x) {
    const int xp = first ? 0 : x - dx + 1;
    cm[x + 1] = path_step<L>(pr + xp * stride, pm[xp], cost + std::size_t(x) * nd, cr + (x + 1) * stride,
                             sum + std::size_t(x) * nd, out + std::size_t(x) * nd, nd, p1, p2);
  }
}
#define ROBOMLX_ROW_CHUNK(L)                                                                                  \
  ROBOMLX_SIMD_CLONES void path_row_chunk(const L* pr, const L* pm, L* cr, L* cm, const std::uint8_t* cost,  \
                                          const std::uint16_t* sum, std::uint16_t* out, int x0, int x1, int dx, \
                                          bool first, int nd, L p1, L p2) {                                   \
    path_row_chunk_body<L>(pr, pm, cr, cm, cost, sum, out, x0, x1, dx, first, nd, p1, p2);                   \
  }
ROBOMLX_ROW_CHUNK(std::uint8_t)
ROBOMLX_ROW_CHUNK(std::uint16_t)
#undef ROBOMLX_ROW_CHUNK

// The three top-down (or bottom-up) paths of the 8-path mode in one sweep over S: the sum is
// read and written once per pixel instead of three times. out = sum + the paths (may be sum).
template <typename L>
inline __attribute__((always_inline)) void path_row_chunk3_body(L* const* pr, L* const* pm, L* const* cr,
                                                                L* const* cm, const std::uint8_t* cost,
                                                                const std::uint16_t* sum, std::uint16_t* out, int x0,
                                                                int x1, bool first, int nd, L p1, L p2) {
  const std::size_t stride = nd + 2;
  for (int x = x0; x < x1; ++x) {
    const int xa = first ? 0 : x + 1, xb = first ? 0 : x, xc = first ? 0 : x + 2;  // dx = 0, 1, -1
    const L* a = pr[0] + xa * stride;
    const L* b = pr[1] + xb * stride;
    const L* c = pr[2] + xc * stride;
    const L ma = pm[0][xa], mb = pm[1][xb], mc = pm[2][xc];
    const L la = L(ma + p2), lb = L(mb + p2), lc = L(mc + p2);
    L* oa = cr[0] + (x + 1) * stride + 1;
    L* ob = cr[1] + (x + 1) * stride + 1;
    L* oc = cr[2] + (x + 1) * stride + 1;
    const std::uint8_t* cc = cost + std::size_t(x) * nd;
    const std::uint16_t* s = sum + std::size_t(x) * nd;
    std::uint16_t* o = out + std::size_t(x) * nd;
    L na = L(~L(0)), nb = L(~L(0)), nc = L(~L(0));
    // The six rows and the sums never overlap (separate buffers, or o == s elementwise).
#pragma GCC ivdep
    for (int k = 0; k < nd; ++k) {
      const L ra = path_cost(a, k, cc[k], ma, la, p1);
      const L rb = path_cost(b, k, cc[k], mb, lb, p1);
      const L rc = path_cost(c, k, cc[k], mc, lc, p1);
      oa[k] = ra;
      ob[k] = rb;
      oc[k] = rc;
      o[k] = std::uint16_t(s[k] + ra + rb + rc);
      na = std::min(na, ra);
      nb = std::min(nb, rb);
      nc = std::min(nc, rc);
    }
    cm[0][x + 1] = na;
    cm[1][x + 1] = nb;
    cm[2][x + 1] = nc;
  }
}
#define ROBOMLX_ROW_CHUNK3(L)                                                                                 \
  ROBOMLX_SIMD_CLONES void path_row_chunk3(L* const* pr, L* const* pm, L* const* cr, L* const* cm,           \
                                           const std::uint8_t* cost, const std::uint16_t* sum,                \
                                           std::uint16_t* out, int x0, int x1, bool first, int nd, L p1, L p2) { \
    path_row_chunk3_body<L>(pr, pm, cr, cm, cost, sum, out, x0, x1, first, nd, p1, p2);                      \
  }
ROBOMLX_ROW_CHUNK3(std::uint8_t)
ROBOMLX_ROW_CHUNK3(std::uint16_t)
#undef ROBOMLX_ROW_CHUNK3

// State of the vertical (and with 8 paths the two diagonal) paths of one sweep direction:
// buf[path][parity] holds (W + 2) pixels of D + 2 values (sentinels at both ends); pixels 0 and
// W + 1 are zero "starts", so a diagonal's predecessor outside the image starts the path.
template <typename L>
struct VerticalPaths {
  int w, nd, np, stride;
  L p1, p2;
  std::vector<L> buf, mins;
  VerticalPaths(int w_, int nd_, int paths, L p1_, L p2_)
      : w(w_), nd(nd_), np(paths == 8 ? 3 : 1), stride(nd_ + 2), p1(p1_), p2(p2_) {
    buf.resize(std::size_t(np) * 2 * (w + 2) * stride);
    mins.assign(std::size_t(np) * 2 * (w + 2), 0);
    for (std::size_t i = 0; i < buf.size(); i += stride) {
      buf[i] = sentinel(p1);
      std::fill(buf.begin() + i + 1, buf.begin() + i + stride - 1, 0);
      buf[i + stride - 1] = sentinel(p1);
    }
  }
  L* row(int path, int parity) { return buf.data() + (std::size_t(path) * 2 + parity) * (w + 2) * stride; }
  L* rmin(int path, int parity) { return mins.data() + (std::size_t(path) * 2 + parity) * (w + 2); }
  // Step i of the sweep (row y) fused with the horizontal path hx of row y (fused_row,
  // sgm_cpu_fused.cpp): writes the paths to S (add = false) or S + the paths to out; with sr and
  // kr, may also fill kr (returns whether it did).
  bool fused_step(Volume& v, int y, int i, int hx, bool add, std::uint16_t* out, std::uint16_t* sr = nullptr,
                  std::uint16_t* kr = nullptr, int min_d = 0) {
    const int cur = i & 1, prev = cur ^ 1;
    L* vp[3] = {row(0, prev), np == 3 ? row(1, prev) : nullptr, np == 3 ? row(2, prev) : nullptr};
    L* vm[3] = {rmin(0, prev), np == 3 ? rmin(1, prev) : nullptr, np == 3 ? rmin(2, prev) : nullptr};
    L* vc[3] = {row(0, cur), np == 3 ? row(1, cur) : nullptr, np == 3 ? row(2, cur) : nullptr};
    L* vcm[3] = {rmin(0, cur), np == 3 ? rmin(1, cur) : nullptr, np == 3 ? rmin(2, cur) : nullptr};
    // The horizontal path starts at zero (L = C at its first pixel), sentinels at both ends.
    hbuf.assign(2 * std::size_t(stride), 0);
    hbuf[0] = hbuf[stride - 1] = hbuf[stride] = hbuf[2 * stride - 1] = sentinel(p1);
    L hm = 0;
    L *hp = hbuf.data(), *hc = hp + stride;
    const std::uint8_t* c = v.c(y, 0);
    std::uint16_t* s = v.s(y, 0);
    const bool first = i == 0;
    return fused_row(np, add, vp, vm, vc, vcm, hp, hc, hm, hx, c, s, out, first, w, nd, p1, p2, sr, kr, min_d);
  }
  std::vector<L> hbuf;
  // Step i of the sweep (row y) over columns [x0, x1): adds the paths' costs to S, or writes
  // S + them to out (row y's [W, D], when not null).
  void step(Volume& v, int y, int i, int x0, int x1, std::uint16_t* out = nullptr) {
    std::uint16_t* o = out ? out : v.s(y, 0);
    const int cur = i & 1, prev = cur ^ 1;
    if (np == 3) {
      L* pr[3] = {row(0, prev), row(1, prev), row(2, prev)};
      L* pm[3] = {rmin(0, prev), rmin(1, prev), rmin(2, prev)};
      L* cr[3] = {row(0, cur), row(1, cur), row(2, cur)};
      L* cm[3] = {rmin(0, cur), rmin(1, cur), rmin(2, cur)};
      path_row_chunk3(pr, pm, cr, cm, v.c(y, 0), v.s(y, 0), o, x0, x1, i == 0, nd, p1, p2);
    } else {
      path_row_chunk(row(0, prev), rmin(0, prev), row(0, cur), rmin(0, cur), v.c(y, 0), v.s(y, 0), o, x0, x1, 0,
                     i == 0, nd, p1, p2);
    }
  }
};

// Vertical and diagonal paths sweeping rows in direction dy, columns split across threads with
// a barrier per row.
template <typename L>
void vertical_paths(Volume& v, int dy, int paths, L p1, L p2) {
  VerticalPaths<L> state(v.w, v.nd, paths, p1, p2);
  const int t = thread_count(std::max(1, v.w / 32));
  std::barrier sync(t);
  auto worker = [&](int x0, int x1) {
    for (int i = 0; i < v.h; ++i) {
      state.step(v, dy > 0 ? i : v.h - 1 - i, i, x0, x1);
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < t; ++i) pool.emplace_back(worker, v.w * i / t, v.w * (i + 1) / t);
  for (auto& th : pool) th.join();
}

// Cost rows and everything that follows them, for one matching problem.
struct CostInputs {
  const std::uint64_t *cl, *cr;
  const float *left, *right;
  int min_d;
  bool ad;
  std::uint8_t outside;
  int bytes;  // census bytes in use
  void row(Volume& v, int y) const {
    const std::size_t o = std::size_t(y) * v.w;
    cost_row(cl + o, cr + o, left + o, right + o, v.w, min_d, v.nd, ad, outside, bytes, v.cost + o * v.nd);
  }
};

// Two threads, two sweeps that meet in the middle: one goes down the rows with the downward
// paths, the other up with the upward paths. The first to reach a row computes its costs and
// writes its partial S (its vertical paths and the right-to-left one, fused); the second (the
// other half of the image is its own) waits for that row, adds its paths and the left-to-right
// one and selects the disparity of the row at once. Against "horizontal pass, down sweep, up
// sweep, select" this touches the cost and S volumes twice instead of about six times, needs
// no barrier per row, and gives both visits the same path work.
template <typename L>
void two_sweeps(Volume& v, const CostInputs& in, const CoreParams& p, L p1, L p2, float* disp, float* conf) {
  const int h = v.h, mid = h / 2;
  std::unique_ptr<std::atomic<bool>[]> ready(new std::atomic<bool>[h]);
  for (int y = 0; y < h; ++y) ready[y].store(false, std::memory_order_relaxed);
  auto sweep = [&](int dy) {
    VerticalPaths<L> vertical(v.w, v.nd, p.paths, p1, p2);
    // W + min_d + nd: room for every candidate's r (fused_step's right-view WTA).
    std::vector<std::uint16_t> kright(v.w + p.min_d + v.nd, 0), sright(v.w + p.min_d + v.nd, 0);
    // The second visit's S row stays here (cache resident): S is not written back to the volume.
    std::vector<std::uint16_t> srow(std::size_t(v.w) * v.nd + 2 * kSumPad);
    Volume row{1, v.w, v.nd, nullptr, srow.data() + kSumPad};
    for (int i = 0; i < h; ++i) {
      const int y = dy > 0 ? i : h - 1 - i;
      const bool first = dy > 0 ? y < mid : y >= mid;
      // Each visit also runs one horizontal path, fused into its vertical step.
      if (first) {
        in.row(v, y);
        vertical.fused_step(v, y, i, -1, false, v.s(y, 0));
        ready[y].store(true, std::memory_order_release);
      } else {
        while (!ready[y].load(std::memory_order_acquire)) std::this_thread::yield();
        const bool lr = p.lr_max_diff >= 0;
        const bool ready_kr = vertical.fused_step(v, y, i, 1, true, row.sum, lr ? sright.data() : nullptr,
                                                  lr ? kright.data() : nullptr, p.min_d);
        const std::size_t o = std::size_t(y) * v.w;
        select_row(row, 0, p, disp + o, conf + o, kright, sright, ready_kr);
      }
    }
  };
  std::thread up(sweep, -1);
  sweep(1);
  up.join();
}

}  // namespace

void sgm_core_host(const float* left, const float* right, int h, int w, const CoreParams& p, float* disparity,
                   float* confidence) {
  const int nd = p.num_d;
  const std::size_t n = std::size_t(h) * w;
  auto ws = take_workspace();
  ws->reserve(n, n * nd);
  std::uint64_t* cl = ws->census.get();
  std::uint64_t* cr = cl + n;
  parallel_for(h, 1, [&](int y0, int y1) {
    census_rows(left, h, w, p.census_w, p.census_h, cl, y0, y1);
    census_rows(right, h, w, p.census_w, p.census_h, cr, y0, y1);
  });
  Volume v{h, w, nd, ws->cost.get(), ws->sum.get() + kSumPad};
  const CostInputs costs{cl, cr, left, right, p.min_d, p.cost == CostKind::ad_census, std::uint8_t(cost_max(p)),
                          (p.census_w * p.census_h - 1 + 7) / 8};
  const bool narrow = cost_max(p) + p.p2 + p.p1 <= 255;
  float* d_out = p.median > 1 ? ws->raw.get() : disparity;
  // Two sweeps when there are two or three threads (one per sweep); a column split otherwise.
  const int threads = parallel_threads(h, 1);
  if (threads == 2 || threads == 3) {
    if (narrow)
      two_sweeps(v, costs, p, std::uint8_t(p.p1), std::uint8_t(p.p2), d_out, confidence);
    else
      two_sweeps(v, costs, p, std::uint16_t(p.p1), std::uint16_t(p.p2), d_out, confidence);
  } else {
    parallel_for(h, 1, [&](int y0, int y1) {
      for (int y = y0; y < y1; ++y) {
        costs.row(v, y);
        if (narrow)
          horizontal_paths(v, y, std::uint8_t(p.p1), std::uint8_t(p.p2));
        else
          horizontal_paths(v, y, std::uint16_t(p.p1), std::uint16_t(p.p2));
      }
    });
    for (int dy : {1, -1}) {
      if (narrow)
        vertical_paths(v, dy, p.paths, std::uint8_t(p.p1), std::uint8_t(p.p2));
      else
        vertical_paths(v, dy, p.paths, std::uint16_t(p.p1), std::uint16_t(p.p2));
    }
    parallel_for(h, 1, [&](int y0, int y1) {
      std::vector<std::uint16_t> kright(w, 0), sright(w, 0);
      for (int y = y0; y < y1; ++y) select_row(v, y, p, d_out, confidence, kright, sright);
    });
  }
  if (p.median > 1) {
    parallel_for(h, 1, [&](int y0, int y1) { median_rows(ws->raw.get(), disparity, h, w, p.median, y0, y1); });
    for (std::size_t i = 0; i < n; ++i)
      if (!(disparity[i] >= 0.f)) confidence[i] = 0.f;
  }
  return_workspace(std::move(ws));
}

std::vector<mx::array> sgm_core_cpu(const mx::array& left, const mx::array& right, const CoreParams& p, mx::Stream s) {
  return host_image_op("stereo.sgm/cpu", {left, right}, 2,
                       [p](const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w) {
                         sgm_core_host(in[0], in[1], h, w, p, out[0], out[1]);
                       },
                       s);
}

}  // namespace robomlx::stereo::detail
