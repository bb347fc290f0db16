// SPDX-License-Identifier: Apache-2.0
// Threaded CPU twin of the SGM core (cost .. median), matching the portable path exactly
// (see sgm_internal.h). Costs are uint8, path costs uint8 when cost_max + P2 + P1 <= 255
// (the defaults) else uint16, sums uint16 (S <= paths * (cost_max + P2) < 65536 by the option
// limits); large buffers are reused between calls. Horizontal paths run per row in parallel; vertical and
// diagonal paths sweep rows in order with the columns split across threads and a barrier per
// row. Hot loops are cloned for AVX2 (+popcnt) with a generic fallback.
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

#include <immintrin.h>

#include "robomlx/stereo/sgm_cpu_util.h"
#include "robomlx/stereo/sgm_host_primitive.h"
#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {

inline __attribute__((always_inline)) void cost_row_body(const std::uint64_t* cl, const std::uint64_t* cr,
                                                        const float* il, const float* ir, int w, int min_d, int nd,
                                                        bool ad, std::uint8_t outside, std::uint8_t* out) {
  // The right row reversed (rev[j] = right[w - 1 - j]): candidates x - min_d - k for k = 0, 1, ...
  // become a forward run, which the vectoriser handles.
  thread_local std::vector<std::uint64_t> crev;
  thread_local std::vector<float> irev;
  crev.resize(w);
  for (int j = 0; j < w; ++j) crev[j] = cr[w - 1 - j];
  if (ad) {
    irev.resize(w);
    for (int j = 0; j < w; ++j) irev[j] = ir[w - 1 - j];
  }
  for (int x = 0; x < w; ++x) {
    std::uint8_t* c = out + std::size_t(x) * nd;
    const int inside = std::clamp(x - min_d + 1, 0, nd);  // k < inside <=> x - min_d - k >= 0
    const std::uint64_t l = cl[x];
    const int base = w - 1 - x + min_d;  // rev index of candidate k = 0
    const std::uint64_t* r = crev.data() + base;
    for (int k = 0; k < inside; ++k) c[k] = std::uint8_t(__builtin_popcountll(l ^ r[k]));
    if (ad) {
      const float li = il[x];
      const float* ri = irev.data() + base;
      for (int k = 0; k < inside; ++k)
        c[k] = std::uint8_t(c[k] + (int(std::min(std::fabs(li - ri[k]), float(kAdTrunc))) >> kAdShift));
    }
    for (int k = inside; k < nd; ++k) c[k] = outside;
  }
}

// AVX2 costs: the right census row is split into byte planes (plane b holds byte b of every
// reversed pixel), so 32 consecutive disparities of one plane are one load; XOR with the left
// byte and a nibble-table popcount (pshufb) give 32 byte counts, summed over the planes.
// Census words have bits >= 8 * B clear, so only B planes are needed.
template <int B>
__attribute__((target("avx2,popcnt"))) void cost_row_planes(const std::uint64_t* cl, const std::uint64_t* cr,
                                                            const float* il, const float* ir, int w, int min_d,
                                                            int nd, bool ad, std::uint8_t outside, std::uint8_t* out) {
  thread_local std::vector<std::uint8_t> planes;
  thread_local std::vector<float> irev;
  planes.resize(std::size_t(B) * w);
  for (int j = 0; j < w; ++j) {
    const std::uint64_t v = cr[w - 1 - j];
    for (int b = 0; b < B; ++b) planes[std::size_t(b) * w + j] = std::uint8_t(v >> (8 * b));
  }
  if (ad) {
    irev.resize(w);
    for (int j = 0; j < w; ++j) irev[j] = ir[w - 1 - j];
  }
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4);
  const __m256i nib = _mm256_set1_epi8(0x0f);
  for (int x = 0; x < w; ++x) {
    std::uint8_t* c = out + std::size_t(x) * nd;
    const int inside = std::clamp(x - min_d + 1, 0, nd);  // k < inside <=> x - min_d - k >= 0
    const std::uint64_t l = cl[x];
    const int base = w - 1 - x + min_d;  // reversed index of candidate k = 0
    __m256i lb[B];
    for (int b = 0; b < B; ++b) lb[b] = _mm256_set1_epi8(char(l >> (8 * b)));
    int k = 0;
    for (; k + 32 <= inside; k += 32) {
      __m256i acc = _mm256_setzero_si256();
      for (int b = 0; b < B; ++b) {
        const __m256i v = _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(planes.data() + std::size_t(b) * w + base + k)), lb[b]);
        const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(v, nib));
        const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
        acc = _mm256_add_epi8(acc, _mm256_add_epi8(lo, hi));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + k), acc);
    }
    for (; k < inside; ++k) c[k] = std::uint8_t(__builtin_popcountll(l ^ cr[x - min_d - k]));
    if (ad) {
      const float li = il[x];
      const float* ri = irev.data() + base;
      for (int k = 0; k < inside; ++k)
        c[k] = std::uint8_t(c[k] + (int(std::min(std::fabs(li - ri[k]), float(kAdTrunc))) >> kAdShift));
    }
    for (int k = inside; k < nd; ++k) c[k] = outside;
  }
}

// bytes: census bytes in use (bits / 8 rounded up).
void cost_row(const std::uint64_t* cl, const std::uint64_t* cr, const float* il, const float* ir, int w, int min_d,
              int nd, bool ad, std::uint8_t outside, int bytes, std::uint8_t* out) {
  static const bool hw = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx2");
  if (!hw) return cost_row_body(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
  switch (bytes) {
    case 1: return cost_row_planes<1>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 2: return cost_row_planes<2>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 3: return cost_row_planes<3>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 4: return cost_row_planes<4>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 5: return cost_row_planes<5>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 6: return cost_row_planes<6>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    case 7: return cost_row_planes<7>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
    default: return cost_row_planes<8>(cl, cr, il, ir, w, min_d, nd, ad, outside, out);
  }
}

// One path step at one pixel: prev points at D+2 values (sentinels at both ends). L is the
// path-cost type: uint8 when cost_max + P2 + P1 <= 255 (no intermediate overflows: every L is
// <= cost_max + P2 and v - pmin >= 0), which doubles the SIMD width; uint16 otherwise.
template <typename L, bool kAssign = false>
inline __attribute__((always_inline)) L path_step(const L* prev, L pmin, const std::uint8_t* c, L* cur,
                                                  std::uint16_t* s, int nd, L p1, L p2) {
  const L lim = L(pmin + p2);
  L m = L(~L(0));
  for (int k = 0; k < nd; ++k) {
    const L nb = L(std::min(prev[k], prev[k + 2]) + p1);
    const L v = std::min(std::min(prev[k + 1], nb), lim);
    const L l = L(c[k] + L(v - pmin));
    cur[k + 1] = l;
    s[k] = kAssign ? std::uint16_t(l) : std::uint16_t(s[k] + l);
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

// Elements of slack on both sides of the S volume for right_wta_avx2's unaligned loads.
constexpr std::size_t kSumPad = 16;

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

struct Volume {
  int h, w, nd;
  std::uint8_t* cost;
  std::uint16_t* sum;
  const std::uint8_t* c(int y, int x) const { return cost + (std::size_t(y) * w + x) * nd; }
  std::uint16_t* s(int y, int x) { return sum + (std::size_t(y) * w + x) * nd; }
};

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
    ma = xl <= xr ? path_step<L, true>(a, ma, v.c(y, xl), b, v.s(y, xl), nd, p1, p2)
                  : path_step<L>(a, ma, v.c(y, xl), b, v.s(y, xl), nd, p1, p2);
    mc = xr > xl ? path_step<L, true>(c, mc, v.c(y, xr), d, v.s(y, xr), nd, p1, p2)
                 : path_step<L>(c, mc, v.c(y, xr), d, v.s(y, xr), nd, p1, p2);
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
template <typename L>
inline __attribute__((always_inline)) void path_row_chunk_body(const L* pr, const L* pm, L* cr, L* cm,
                                                               const std::uint8_t* cost, std::uint16_t* sum, int x0,
                                                               int x1, int dx, bool first, int nd, L p1, L p2) {
  const std::size_t stride = nd + 2;
  for (int x = x0; x < x1; ++x) {
    const int xp = first ? 0 : x - dx + 1;
    cm[x + 1] = path_step<L>(pr + xp * stride, pm[xp], cost + std::size_t(x) * nd, cr + (x + 1) * stride,
                             sum + std::size_t(x) * nd, nd, p1, p2);
  }
}
#define ROBOMLX_ROW_CHUNK(L)                                                                                  \
  ROBOMLX_SIMD_CLONES void path_row_chunk(const L* pr, const L* pm, L* cr, L* cm, const std::uint8_t* cost,  \
                                          std::uint16_t* sum, int x0, int x1, int dx, bool first, int nd, L p1, \
                                          L p2) {                                                             \
    path_row_chunk_body<L>(pr, pm, cr, cm, cost, sum, x0, x1, dx, first, nd, p1, p2);                        \
  }
ROBOMLX_ROW_CHUNK(std::uint8_t)
ROBOMLX_ROW_CHUNK(std::uint16_t)
#undef ROBOMLX_ROW_CHUNK

// The three top-down (or bottom-up) paths of the 8-path mode in one sweep over S: the sum is
// read and written once per pixel instead of three times.
template <typename L>
inline __attribute__((always_inline)) void path_row_chunk3_body(L* const* pr, L* const* pm, L* const* cr,
                                                                L* const* cm, const std::uint8_t* cost,
                                                                std::uint16_t* sum, int x0, int x1, bool first,
                                                                int nd, L p1, L p2) {
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
    std::uint16_t* s = sum + std::size_t(x) * nd;
    L na = L(~L(0)), nb = L(~L(0)), nc = L(~L(0));
    // The six rows and the sum never overlap (separate buffers).
#pragma GCC ivdep
    for (int k = 0; k < nd; ++k) {
      const L va = std::min(std::min(a[k + 1], L(std::min(a[k], a[k + 2]) + p1)), la);
      const L vb = std::min(std::min(b[k + 1], L(std::min(b[k], b[k + 2]) + p1)), lb);
      const L vc = std::min(std::min(c[k + 1], L(std::min(c[k], c[k + 2]) + p1)), lc);
      const L ra = L(cc[k] + L(va - ma));
      const L rb = L(cc[k] + L(vb - mb));
      const L rc = L(cc[k] + L(vc - mc));
      oa[k] = ra;
      ob[k] = rb;
      oc[k] = rc;
      s[k] = std::uint16_t(s[k] + ra + rb + rc);
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
                                           const std::uint8_t* cost, std::uint16_t* sum, int x0, int x1,      \
                                           bool first, int nd, L p1, L p2) {                                  \
    path_row_chunk3_body<L>(pr, pm, cr, cm, cost, sum, x0, x1, first, nd, p1, p2);                           \
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
  // Step i of the sweep (row y) over columns [x0, x1): adds the paths' costs to S.
  void step(Volume& v, int y, int i, int x0, int x1) {
    const int cur = i & 1, prev = cur ^ 1;
    if (np == 3) {
      L* pr[3] = {row(0, prev), row(1, prev), row(2, prev)};
      L* pm[3] = {rmin(0, prev), rmin(1, prev), rmin(2, prev)};
      L* cr[3] = {row(0, cur), row(1, cur), row(2, cur)};
      L* cm[3] = {rmin(0, cur), rmin(1, cur), rmin(2, cur)};
      path_row_chunk3(pr, pm, cr, cm, v.c(y, 0), v.s(y, 0), x0, x1, i == 0, nd, p1, p2);
    } else {
      path_row_chunk(row(0, prev), rmin(0, prev), row(0, cur), rmin(0, cur), v.c(y, 0), v.s(y, 0), x0, x1, 0, i == 0,
                     nd, p1, p2);
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

inline __attribute__((always_inline)) int min_range(const std::uint16_t* s, int k0, int k1) {
  int m = 1 << 30;
  for (int k = k0; k < k1; ++k) m = std::min(m, int(s[k]));
  return m;
}

// First argmin as one vectorisable min over (S << 16 | k) keys.
inline __attribute__((always_inline)) std::uint32_t min_key(const std::uint16_t* s, int nd) {
  std::uint32_t m = 0xFFFFFFFFu;
  for (int k = 0; k < nd; ++k) m = std::min(m, (std::uint32_t(s[k]) << 16) | std::uint32_t(k));
  return m;
}

// S1, its first index k1 and S2 (the least S more than one disparity away; kInf when none) of
// one pixel's S[0, nd).
struct PixelBest {
  int s1, k1, s2;
};
inline __attribute__((always_inline)) PixelBest pixel_best(const std::uint16_t* s, int nd) {
  const std::uint32_t key = min_key(s, nd);
  const int s1 = int(key >> 16), k1 = int(key & 0xFFFF);
  const int s2 = std::min(min_range(s, 0, std::max(0, k1 - 1)), min_range(s, std::min(nd, k1 + 2), nd));
  return {s1, k1, s2};
}
// The same with 16-lane unsigned minima (S < 32767, so 0xFFFF is free to mean "excluded").
// Inlined into select_row_avx2 (flatten): always_inline would be checked in select_row_body first.
__attribute__((target("avx2"))) inline PixelBest pixel_best_avx2(const std::uint16_t* s, int nd) {
  const int nv = nd / 16;
  __m256i m = _mm256_set1_epi16(-1);
  for (int j = 0; j < nv; ++j) m = _mm256_min_epu16(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 16 * j)));
  const __m128i m8 = _mm_min_epu16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  int s1 = _mm_extract_epi16(_mm_minpos_epu16(m8), 0);
  for (int k = 16 * nv; k < nd; ++k) s1 = std::min(s1, int(s[k]));
  int k1 = 0;
  const __m256i target = _mm256_set1_epi16(short(s1));
  for (int j = 0;; ++j) {
    if (j == nv) {
      for (k1 = 16 * nv; s[k1] != s1; ++k1) {
      }
      break;
    }
    const unsigned mask = unsigned(_mm256_movemask_epi8(
        _mm256_cmpeq_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 16 * j)), target)));
    if (mask != 0) {
      k1 = 16 * j + __builtin_ctz(mask) / 2;
      break;
    }
  }
  // Lanes k1 - 1 .. k1 + 1 are excluded: (k - (k1 - 1)) as unsigned <= 2.
  const __m256i iota = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m256i two = _mm256_set1_epi16(2);
  __m256i m2 = _mm256_set1_epi16(-1);
  for (int j = 0; j < nv; ++j) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 16 * j));
    if (16 * j + 15 >= k1 - 1 && 16 * j <= k1 + 1) {
      const __m256i rel = _mm256_sub_epi16(_mm256_add_epi16(iota, _mm256_set1_epi16(short(16 * j))),
                                           _mm256_set1_epi16(short(k1 - 1)));
      v = _mm256_or_si256(v, _mm256_cmpeq_epi16(_mm256_min_epu16(rel, two), rel));
    }
    m2 = _mm256_min_epu16(m2, v);
  }
  const __m128i n8 = _mm_min_epu16(_mm256_castsi256_si128(m2), _mm256_extracti128_si256(m2, 1));
  int s2 = _mm_extract_epi16(_mm_minpos_epu16(n8), 0);
  for (int k = 16 * nv; k < nd; ++k)
    if (k < k1 - 1 || k > k1 + 1) s2 = std::min(s2, int(s[k]));
  return {s1, k1, s2 == 0xFFFF ? 1 << 30 : s2};
}

// Right-view WTA kr[r] (r = W - 1 - xr) of row y, as select_row_body's generic loop, over blocks
// of 16 r: the block's running minimum and argmin stay in registers while x walks over its
// candidates (an unaligned load of S(x) per x), instead of a read-modify-write of memory that
// overlaps the previous x's by one element (which defeats store forwarding). Loads may reach
// 15 elements past either end of a pixel's S: the volume is padded (Workspace) and such lanes
// are masked. S < 32767, so signed 16-bit compares are exact.
__attribute__((target("avx2"))) inline void right_wta_avx2(Volume& v, int y, int min_d, std::uint16_t* kr) {
  const int w = v.w, nd = v.nd;
  const __m256i iota = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int r0 = 0; r0 < w; r0 += 16) {
    const __m256i big = _mm256_set1_epi16(0x7FFF);
    __m256i best = big, arg = _mm256_setzero_si256();
    // r = W - 1 - x + min_d + k: the x whose candidates reach r0 .. r0 + 15.
    const int xa = std::max(0, w - 1 + min_d - (r0 + 15)), xb = std::min(w - 1, w - 2 + min_d + nd - r0);
    for (int x = xa; x <= xb; ++x) {
      const int k0 = r0 - (w - 1 - x + min_d);
      const int kmax = std::min(nd, x - min_d + 1);
      const __m256i k = _mm256_add_epi16(iota, _mm256_set1_epi16(short(k0)));
      // Valid lanes: 0 <= k < kmax.
      const __m256i ok = _mm256_andnot_si256(_mm256_cmpgt_epi16(_mm256_setzero_si256(), k),
                                             _mm256_cmpgt_epi16(_mm256_set1_epi16(short(kmax)), k));
      // Invalid lanes read as 0x7FFF, which never wins; the running minimum is then a plain min
      // (one-cycle dependency chain) and the argmin follows it off that chain.
      const __m256i sv = _mm256_blendv_epi8(
          big, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.s(y, x) + k0)), ok);
      arg = _mm256_blendv_epi8(arg, k, _mm256_cmpgt_epi16(best, sv));
      best = _mm256_min_epi16(best, sv);
    }
    alignas(32) std::uint16_t out[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), arg);
    std::copy(out, out + std::min(16, w - r0), kr + r0);
  }
}

template <bool kAvx2>
inline void select_row_body(Volume& v, int y, const CoreParams& p, float* disp,
                                                           float* conf, std::vector<std::uint16_t>& kright,
                                                           std::vector<std::uint16_t>& sright) {
  const int w = v.w, nd = v.nd;
  constexpr int kInf = 1 << 30;
  if (p.lr_max_diff >= 0) {
    // kR(xr) = first argmin over k of S(y, xr + min_d + k, k): visiting x in order visits each
    // xr's candidates in increasing k, so a strict < keeps the first minimum.
    // Stored reversed (r = W - 1 - xr) so that one x updates a contiguous run: vectorisable.
    if constexpr (kAvx2) {
      right_wta_avx2(v, y, p.min_d, kright.data());
    } else {
    std::fill(kright.begin(), kright.end(), 0);
    std::fill(sright.begin(), sright.end(), 0xFFFF);
    std::uint16_t* __restrict sr = sright.data();
    std::uint16_t* __restrict kr = kright.data();
    for (int x = 0; x < w; ++x) {
      const std::uint16_t* __restrict s = v.s(y, x);
      const int kmax = std::min(nd, x - p.min_d + 1);
      const int base = w - 1 - x + p.min_d;
      for (int k = 0; k < kmax; ++k) {
        const bool better = s[k] < sr[base + k];
        sr[base + k] = better ? s[k] : sr[base + k];
        kr[base + k] = better ? std::uint16_t(k) : kr[base + k];
      }
    }
    }
  }
  for (int x = 0; x < w; ++x) {
    const std::uint16_t* s = v.s(y, x);
    PixelBest best;
    if constexpr (kAvx2)
      best = pixel_best_avx2(s, nd);
    else
      best = pixel_best(s, nd);
    const auto [s1, k1, s2] = best;
    const float s1f = float(s1), s2f = float(s2);
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
      valid = valid && xm >= 0 && xm < w && std::abs(int(kright[w - 1 - std::clamp(xm, 0, w - 1)]) - k1) <= p.lr_max_diff;
    }
    float c = s2 == kInf ? 1.f : (s2f - s1f) / std::max(s2f, 1.f);
    if (s2 == 0) c = 0.f;
    disp[std::size_t(y) * w + x] = valid ? d : -1.f;
    conf[std::size_t(y) * w + x] = valid ? c : 0.f;
  }
}

__attribute__((target("avx2"), flatten)) void select_row_avx2(Volume& v, int y, const CoreParams& p, float* disp, float* conf,
                                                     std::vector<std::uint16_t>& kright,
                                                     std::vector<std::uint16_t>& sright) {
  select_row_body<true>(v, y, p, disp, conf, kright, sright);
}
__attribute__((flatten)) void select_row_generic(Volume& v, int y, const CoreParams& p, float* disp, float* conf,
                                                 std::vector<std::uint16_t>& kright, std::vector<std::uint16_t>& sright) {
  select_row_body<false>(v, y, p, disp, conf, kright, sright);
}
void select_row(Volume& v, int y, const CoreParams& p, float* disp, float* conf, std::vector<std::uint16_t>& kright,
                std::vector<std::uint16_t>& sright) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return select_row_avx2(v, y, p, disp, conf, kright, sright);
  select_row_generic(v, y, p, disp, conf, kright, sright);
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
// both horizontal paths and writes its partial S; the second (the other half of the image is its
// own) waits for that row, adds its paths and selects the disparity of the row at once.
// Against "horizontal pass, down sweep, up sweep, select" this touches the cost and S volumes
// twice instead of about six times, and needs no barrier per row.
template <typename L>
void two_sweeps(Volume& v, const CostInputs& in, const CoreParams& p, L p1, L p2, float* disp, float* conf) {
  const int h = v.h, mid = h / 2;
  std::unique_ptr<std::atomic<bool>[]> ready(new std::atomic<bool>[h]);
  for (int y = 0; y < h; ++y) ready[y].store(false, std::memory_order_relaxed);
  auto sweep = [&](int dy) {
    VerticalPaths<L> vertical(v.w, v.nd, p.paths, p1, p2);
    std::vector<std::uint16_t> kright(v.w, 0), sright(v.w, 0);
    for (int i = 0; i < h; ++i) {
      const int y = dy > 0 ? i : h - 1 - i;
      const bool first = dy > 0 ? y < mid : y >= mid;
      if (first) {
        in.row(v, y);
        horizontal_paths(v, y, p1, p2);
      } else {
        while (!ready[y].load(std::memory_order_acquire)) std::this_thread::yield();
      }
      vertical.step(v, y, i, 0, v.w);
      if (first)
        ready[y].store(true, std::memory_order_release);
      else
        select_row(v, y, p, disp, conf, kright, sright);
    }
  };
  std::thread up(sweep, -1);
  sweep(1);
  up.join();
}

// Median of 9 by the classic 19-exchange network (Paeth / Devillard), vectorised across x.
ROBOMLX_SIMD_CLONES
void median3_rows(const float* in, float* out, int h, int w, int y0, int y1) {
  std::vector<float> pad(3 * std::size_t(w + 2));
  for (int y = y0; y < y1; ++y) {
    for (int dy = 0; dy < 3; ++dy) {
      const float* src = in + std::size_t(std::clamp(y + dy - 1, 0, h - 1)) * w;
      float* dst = pad.data() + dy * std::size_t(w + 2);
      dst[0] = src[0];
      std::copy(src, src + w, dst + 1);
      dst[w + 1] = src[w - 1];
    }
    const float* r0 = pad.data();
    const float* r1 = r0 + (w + 2);
    const float* r2 = r1 + (w + 2);
    float* o = out + std::size_t(y) * w;
    for (int x = 0; x < w; ++x) {
      float p0 = r0[x], p1 = r0[x + 1], p2 = r0[x + 2], p3 = r1[x], p4 = r1[x + 1], p5 = r1[x + 2], p6 = r2[x],
            p7 = r2[x + 1], p8 = r2[x + 2];
      auto sw = [](float& a, float& b) {
        const float lo = std::min(a, b), hi = std::max(a, b);
        a = lo;
        b = hi;
      };
      sw(p1, p2); sw(p4, p5); sw(p7, p8); sw(p0, p1); sw(p3, p4); sw(p6, p7); sw(p1, p2); sw(p4, p5);
      sw(p7, p8); sw(p0, p3); sw(p5, p8); sw(p4, p7); sw(p3, p6); sw(p1, p4); sw(p2, p5); sw(p4, p7);
      sw(p4, p2); sw(p6, p4); sw(p4, p2);
      o[x] = p4;
    }
  }
}

void median_rows(const float* in, float* out, int h, int w, int size, int y0, int y1) {
  if (size == 3) return median3_rows(in, out, h, w, y0, y1);
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

std::vector<mx::array> sgm_core_cpu(const mx::array& left, const mx::array& right, const CoreParams& p) {
  return host_image_op("stereo.sgm/cpu", {left, right}, 2,
                       [p](const std::vector<const float*>& in, const std::vector<float*>& out, int h, int w) {
                         sgm_core_host(in[0], in[1], h, w, p, out[0], out[1]);
                       });
}

}  // namespace robomlx::stereo::detail
