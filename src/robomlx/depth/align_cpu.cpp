// SPDX-License-Identifier: Apache-2.0
// CPU twin of align (align_twins.h): a custom Primitive. Per depth row the corners are projected
// into row buffers (align_cpu_project.cpp, SIMD on x86), then splatted into the z-buffer
// (depth->other) or copied (other->depth). Rows are split into parts that run in parallel: copies
// write disjoint output rows; for the z-buffer every part but the first gets its own buffer, merged
// afterwards with the same nearest-nonzero-wins rule, a min, so neither the order of pixels nor of
// parts changes the result.
#include "robomlx/depth/align_twins.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

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
    const AlignIsa isa = align_best_isa();
    if (tl) align_project_row(in.raw + o, in.tlx + o, in.tly + o, in.w, q, ax, ay, isa);
    if (br) align_project_row(in.raw + o, in.brx + o, in.bry + o, in.w, q, bx, by, isa);
  }
};

// Depth rows [y0, y1) into one z-buffer. `fresh` (extra parts): a flag per target row, which is
// zeroed the first time it is written; else dst is all zeros already.
void splat_rows(const Inputs& in, int y0, int y1, const AlignCpuParams& p, const AlignProjection& q,
                std::uint16_t* dst, std::uint8_t* fresh) {
  const int wo = p.width, ho = p.height;
  RowCorners c(in.w);
  const int* bx = p.use_br ? c.bx : c.ax;
  const int* by = p.use_br ? c.by : c.ay;
  for (int y = y0; y < y1; ++y) {
    c.project(in, y, true, p.use_br, q);
    const std::uint16_t* raw = in.raw + std::size_t(y) * in.w;
    for (int i = 0; i < in.w; ++i) {
      const std::uint16_t v = raw[i];
      if (!v) continue;
      if (!p.sse && (c.ax[i] < 0 || c.ay[i] < 0 || bx[i] >= wo || by[i] >= ho)) continue;
      const int ya = std::max(c.ay[i], 0), yb = std::min(by[i], ho - 1);
      const int xa = std::max(c.ax[i], 0), xb = std::min(bx[i], wo - 1);
      for (int ty = ya; ty <= yb; ++ty) {
        std::uint16_t* row = dst + std::size_t(ty) * wo;
        if (fresh && fresh[ty]) {
          std::memset(row, 0, std::size_t(wo) * sizeof(*row));
          fresh[ty] = 0;
        }
        for (int x = xa; x <= xb; ++x) row[x] = row[x] ? std::min(row[x], v) : v;
      }
    }
  }
}

void to_other(const Inputs& in, const AlignCpuParams& p, std::uint16_t* dst) {
  const AlignProjection q = projection(p);
  const std::size_t plane = std::size_t(p.height) * p.width;
  std::memset(dst, 0, plane * sizeof(*dst));
  // >= 64k depth pixels per part: fewer cost more in thread start-up and merging than they save.
  const int parts = parallel_threads(std::int64_t(in.h) * in.w, 65536);
  std::vector<std::unique_ptr<std::uint16_t[]>> bufs(parts);
  std::vector<std::vector<std::uint8_t>> fresh(parts);
  for (int k = 1; k < parts; ++k) {
    bufs[k].reset(new std::uint16_t[plane]);  // uninitialised: rows are zeroed on first write
    fresh[k].assign(p.height, 1);
  }
  parallel_for(parts, 1, [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; ++k) {
      const int y0 = int(in.h * k / parts), y1 = int(in.h * (k + 1) / parts);
      splat_rows(in, y0, y1, p, q, k ? bufs[k].get() : dst, k ? fresh[k].data() : nullptr);
    }
  });
  if (parts == 1) return;
  parallel_for(p.height, 64, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      std::uint16_t* row = dst + std::size_t(t) * p.width;
      for (int k = 1; k < parts; ++k) {
        if (fresh[k][t]) continue;  // never written
        const std::uint16_t* src = bufs[k].get() + std::size_t(t) * p.width;
        // min over nonzero values: with 0 -> 65535 (z - 1 wraps), a plain min, then back.
        for (int x = 0; x < p.width; ++x) {
          row[x] = std::uint16_t(std::min(std::uint16_t(row[x] - 1), std::uint16_t(src[x] - 1)) + 1);
        }
      }
    }
  });
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
