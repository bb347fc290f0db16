// SPDX-License-Identifier: Apache-2.0
// CPU twin of align (align_twins.h): a custom Primitive. Per depth row the corners are projected
// into row buffers (align_cpu_project.cpp, SIMD on x86), then splatted into the z-buffer
// (depth->other) or copied (other->depth). Rows are split into parts that run in parallel: copies
// write disjoint output rows; for the z-buffer every part but the first gets its own buffer, merged
// afterwards over the rows it wrote with the same nearest-nonzero-wins rule, a min, so neither the
// order of pixels nor of parts changes the result.
#include "robomlx/depth/align_twins.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "robomlx/core/parallel.h"

namespace robomlx::depth::detail {

namespace {

struct Inputs {
  const std::uint16_t* raw;
  const float *tlx, *tly, *brx, *bry;
  const std::uint8_t* other;
  int h, w, channels;
};

AlignProjection projection(const AlignCpuParams& p) {
  AlignProjection q;
  std::copy(p.extrinsics.rotation.begin(), p.extrinsics.rotation.end(), q.r);
  std::copy(p.extrinsics.translation.begin(), p.extrinsics.translation.end(), q.t);
  q.fx = p.fx, q.fy = p.fy, q.ppx = p.ppx, q.ppy = p.ppy, q.units = p.units, q.round = p.sse;
  return q;
}

// Projected corners of one depth row: top-left (ax, ay), bottom-right (bx, by) where needed.
struct RowCorners {
  std::vector<int> buf;
  int *ax, *ay, *bx, *by;
  explicit RowCorners(int w) : buf(4 * std::size_t(w)) {
    ax = buf.data(), ay = ax + w, bx = ay + w, by = bx + w;
  }
  void project(const Inputs& in, int y, bool tl, bool br, const AlignProjection& q) {
    const std::size_t o = std::size_t(y) * in.w;
    const CpuIsa isa = best_cpu_isa();
    if (tl) align_project_row(in.raw + o, in.tlx + o, in.tly + o, in.w, q, ax, ay, isa);
    if (br) align_project_row(in.raw + o, in.brx + o, in.bry + o, in.w, q, bx, by, isa);
  }
};

// The z-buffer rule on one target pixel: nearest nonzero depth wins.
inline void keep_nearest(std::uint16_t& o, std::uint16_t v) { o = o ? std::min(o, v) : v; }

#if defined(__SSE2__)
// A box of w x h <= 4 x 4 pixels at (xa, ya), with xa + 4 <= wo: four 4-lane rows, masked to the
// box, rows past h going to `scratch`. No branch depends on the box's size, which varies from
// pixel to pixel and made the scalar loops' exits mispredict. keep_nearest per lane: with zero
// mapped to 0xFFFF (z - 1 wraps), it is an unsigned min, a - sat(a - b) in SSE2.
inline void splat4x4(std::uint16_t* dst, int wo, int xa, int ya, int w, int h, std::uint16_t v,
                     std::uint16_t* scratch) {
  alignas(8) static const std::uint16_t masks[5][4] = {
      {0, 0, 0, 0}, {0xFFFF, 0, 0, 0}, {0xFFFF, 0xFFFF, 0, 0}, {0xFFFF, 0xFFFF, 0xFFFF, 0}, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}};
  const __m128i one = _mm_set1_epi16(1), vb = _mm_set1_epi16(short(v - 1));
  const __m128i mask = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(masks[w]));
  std::uint16_t* row = dst + std::size_t(ya) * wo + xa;
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
    auto* p = reinterpret_cast<__m128i*>(r < h ? row + std::size_t(r) * wo : scratch);
    const __m128i o = _mm_loadl_epi64(p), ob = _mm_sub_epi16(o, one);
    const __m128i m = _mm_add_epi16(_mm_sub_epi16(ob, _mm_subs_epu16(ob, vb)), one);
    _mm_storel_epi64(p, _mm_or_si128(_mm_and_si128(mask, m), _mm_andnot_si128(mask, o)));
  }
}
#endif

// Depth rows [y0, y1) into one all-zero z-buffer; returns the target rows written, [lo, hi].
std::pair<int, int> splat_rows(const Inputs& in, int y0, int y1, const AlignCpuParams& p, const AlignProjection& q,
                               std::uint16_t* dst) {
  const int wo = p.width, ho = p.height;
  RowCorners c(in.w);
  const int* bx = p.use_br ? c.bx : c.ax;
  const int* by = p.use_br ? c.by : c.ay;
  int lo = ho, hi = -1;
#if defined(__SSE2__)
  alignas(16) std::uint16_t scratch[8];
#endif
  for (int y = y0; y < y1; ++y) {
    c.project(in, y, true, p.use_br, q);
    const std::uint16_t* raw = in.raw + std::size_t(y) * in.w;
    for (int i = 0; i < in.w; ++i) {
      const std::uint16_t v = raw[i];
      if (!v) continue;
      if (!p.sse && (c.ax[i] < 0 || c.ay[i] < 0 || bx[i] >= wo || by[i] >= ho)) continue;
      const int ya = std::max(c.ay[i], 0), yb = std::min(by[i], ho - 1);
      const int xa = std::max(c.ax[i], 0), xb = std::min(bx[i], wo - 1);
      if (ya > yb || xa > xb) continue;
      lo = std::min(lo, ya), hi = std::max(hi, yb);
#if defined(__SSE2__)
      // 64-bit differences: corners can be anywhere in int range.
      if (std::int64_t(xb) - xa < 4 && std::int64_t(yb) - ya < 4 && xa + 4 <= wo) {
        splat4x4(dst, wo, xa, ya, xb - xa + 1, yb - ya + 1, v, scratch);
        continue;
      }
#endif
      for (int ty = ya; ty <= yb; ++ty) {
        std::uint16_t* row = dst + std::size_t(ty) * wo;
        for (int x = xa; x <= xb; ++x) keep_nearest(row[x], v);
      }
    }
  }
  return {lo, hi};
}

void to_other(const Inputs& in, const AlignCpuParams& p, std::uint16_t* dst) {
  const AlignProjection q = projection(p);
  const std::size_t plane = std::size_t(p.height) * p.width;
  std::memset(dst, 0, plane * sizeof(*dst));
  // >= 64k depth pixels per part: fewer cost more in thread start-up and merging than they save.
  const int parts = parallel_threads(std::int64_t(in.h) * in.w, 65536);
  std::vector<std::vector<std::uint16_t>> bufs(parts);
  std::vector<std::pair<int, int>> rows(parts);
  parallel_for(parts, 1, [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; ++k) {
      if (k) bufs[k].assign(plane, 0);
      const int y0 = int(in.h * k / parts), y1 = int(in.h * (k + 1) / parts);
      rows[k] = splat_rows(in, y0, y1, p, q, k ? bufs[k].data() : dst);
    }
  });
  for (int k = 1; k < parts; ++k) {
    const auto [lo, hi] = rows[k];
    if (lo > hi) continue;  // nothing written
    const std::size_t begin = std::size_t(lo) * p.width, end = std::size_t(hi + 1) * p.width;
    const std::uint16_t* src = bufs[k].data();
    // keep_nearest with 0 -> 65535 (z - 1 wraps): a plain min, which vectorises.
    for (std::size_t j = begin; j < end; ++j) {
      dst[j] = std::uint16_t(std::min(std::uint16_t(dst[j] - 1), std::uint16_t(src[j] - 1)) + 1);
    }
  }
}

// Other -> depth for depth rows [y0, y1): one source pixel per depth pixel, C bytes each
// (C = 0: in.channels at run time).
template <int C>
void copy_rows(const Inputs& in, int y0, int y1, const AlignCpuParams& p, const AlignProjection& q, std::uint8_t* dst) {
  const int wo = p.width, ho = p.height;
  const std::size_t ch = C ? C : in.channels;
  const bool tl = !p.sse || !p.source_br, br = !p.sse || p.source_br;
  RowCorners c(in.w);
  const int* sx = p.sse && !p.source_br ? c.ax : c.bx;  // scalar: the box's last visited pixel
  const int* sy = p.sse && !p.source_br ? c.ay : c.by;
  std::memset(dst + std::size_t(y0) * in.w * ch, 0, std::size_t(y1 - y0) * in.w * ch);
  for (int y = y0; y < y1; ++y) {
    c.project(in, y, tl, br, q);
    const std::size_t o = std::size_t(y) * in.w;
    for (int i = 0; i < in.w; ++i) {
      if (!in.raw[o + i]) continue;
      if (!p.sse && (c.ax[i] < 0 || c.ay[i] < 0 || c.bx[i] >= wo || c.by[i] >= ho || c.bx[i] < c.ax[i] ||
                     c.by[i] < c.ay[i])) {
        continue;
      }
      if (sx[i] < 0 || sy[i] < 0 || sx[i] >= wo || sy[i] >= ho) continue;
      std::memcpy(dst + (o + i) * ch, in.other + (std::size_t(sy[i]) * wo + sx[i]) * ch, ch);
    }
  }
}

void to_depth(const Inputs& in, const AlignCpuParams& p, std::uint8_t* dst) {
  const AlignProjection q = projection(p);
  const std::int64_t min_rows = std::max(1, 65536 / std::max(in.w, 1));
  parallel_for(in.h, min_rows, [&](std::int64_t y0, std::int64_t y1) {
    switch (in.channels) {
      case 1: return copy_rows<1>(in, int(y0), int(y1), p, q, dst);
      case 3: return copy_rows<3>(in, int(y0), int(y1), p, q, dst);
      case 4: return copy_rows<4>(in, int(y0), int(y1), p, q, dst);
      default: return copy_rows<0>(in, int(y0), int(y1), p, q, dst);
    }
  });
}

class AlignCpu : public mx::UnaryPrimitive {
 public:
  AlignCpu(mx::Stream s, AlignCpuParams p) : mx::UnaryPrimitive(s), p_(p) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    enc.set_output_array(out);
    const Inputs inputs{in[0].data<std::uint16_t>(), in[1].data<float>(), in[2].data<float>(),
                        in[3].data<float>(),         in[4].data<float>(), in[5].data<std::uint8_t>(),
                        in[0].shape(0),              in[0].shape(1),      in[5].ndim() == 3 ? in[5].shape(2) : 1};
    void* dst = out.data<void>();
    enc.dispatch([=, p = p_] {
      if (p.to_other) to_other(inputs, p, static_cast<std::uint16_t*>(dst));
      else to_depth(inputs, p, static_cast<std::uint8_t*>(dst));
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.align/cpu] the CPU twin has no GPU path; use the portable path");
  }

  const char* name() const override { return "DepthAlignCpu"; }

 private:
  AlignCpuParams p_;
};

}  // namespace

mx::array align_cpu(const mx::array& depth, const mx::array& tl_x, const mx::array& tl_y, const mx::array& br_x,
                    const mx::array& br_y, const mx::array& other, const AlignCpuParams& params, mx::Stream s) {
  std::vector<mx::array> inputs;
  for (const auto* a : {&depth, &tl_x, &tl_y, &br_x, &br_y, &other}) inputs.push_back(mx::contiguous(*a, false, s));
  const int h = depth.shape(0), w = depth.shape(1);
  const int c = other.ndim() == 3 ? other.shape(2) : 1;
  mx::Shape shape = params.to_other ? mx::Shape{params.height, params.width}
                                    : (other.ndim() == 3 ? mx::Shape{h, w, c} : mx::Shape{h, w});
  return mx::array(shape, params.to_other ? mx::uint16 : mx::uint8, std::make_shared<AlignCpu>(s, params), std::move(inputs));
}

}  // namespace robomlx::depth::detail
