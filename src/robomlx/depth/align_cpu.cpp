// SPDX-License-Identifier: Apache-2.0
// CPU twin of align (align_twins.h): a custom Primitive, one host pass per frame.
#include "robomlx/depth/align_twins.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

namespace robomlx::depth::detail {

namespace {

struct Pixel {
  int x, y;
};

// Target pixel of one corner, as align.cpp's corner(): SSE order transform, pinhole projection,
// + 0.5 then round-half-even (SSE) or truncation (scalar).
inline Pixel project(float z, float rx, float ry, const AlignCpuParams& p) {
  const auto& r = p.extrinsics.rotation;
  const auto& t = p.extrinsics.translation;
  const float px = z * rx, py = z * ry;
  const float X = r[0] * px + (r[3] * py + (r[6] * z + t[0]));
  const float Y = r[1] * px + (r[4] * py + (r[7] * z + t[1]));
  const float Z = r[2] * px + (r[5] * py + (r[8] * z + t[2]));
  const float u = X / Z * p.fx + p.ppx + 0.5f;
  const float v = Y / Z * p.fy + p.ppy + 0.5f;
  if (p.sse) return {int(std::nearbyint(u)), int(std::nearbyint(v))};
  return {int(u), int(v)};
}

void run(const std::uint16_t* raw, const float* tlx, const float* tly, const float* brx, const float* bry,
         const std::uint8_t* other, int channels, long long n, const AlignCpuParams& p, void* out_ptr) {
  const int wo = p.width, ho = p.height;
  if (p.to_other) {
    auto* dst = static_cast<std::uint16_t*>(out_ptr);
    std::memset(dst, 0, std::size_t(ho) * wo * sizeof(std::uint16_t));
    for (long long i = 0; i < n; ++i) {
      const std::uint16_t v = raw[i];
      if (!v) continue;
      const float z = float(v) * p.units;
      const Pixel a = project(z, tlx[i], tly[i], p);
      const Pixel b = p.use_br ? project(z, brx[i], bry[i], p) : a;
      if (!p.sse && (a.x < 0 || a.y < 0 || b.x >= wo || b.y >= ho)) continue;
      const int ya = std::max(a.y, 0), yb = std::min(b.y, ho - 1);
      const int xa = std::max(a.x, 0), xb = std::min(b.x, wo - 1);
      for (int y = ya; y <= yb; ++y) {
        std::uint16_t* row = dst + std::size_t(y) * wo;
        for (int x = xa; x <= xb; ++x) row[x] = row[x] ? std::min(row[x], v) : v;
      }
    }
    return;
  }
  auto* dst = static_cast<std::uint8_t*>(out_ptr);
  std::memset(dst, 0, std::size_t(n) * channels);
  for (long long i = 0; i < n; ++i) {
    if (!raw[i]) continue;
    const float z = float(raw[i]) * p.units;
    Pixel s;
    if (p.sse) {
      s = p.source_br ? project(z, brx[i], bry[i], p) : project(z, tlx[i], tly[i], p);
    } else {
      const Pixel a = project(z, tlx[i], tly[i], p), b = project(z, brx[i], bry[i], p);
      if (a.x < 0 || a.y < 0 || b.x >= wo || b.y >= ho || b.x < a.x || b.y < a.y) continue;
      s = b;  // the box's last visited pixel
    }
    if (s.x < 0 || s.y < 0 || s.x >= wo || s.y >= ho) continue;
    std::memcpy(dst + i * channels, other + (std::size_t(s.y) * wo + s.x) * channels, channels);
  }
}

class AlignCpu : public mx::UnaryPrimitive {
 public:
  AlignCpu(mx::Stream s, AlignCpuParams p) : mx::UnaryPrimitive(s), p_(p) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    enc.set_output_array(out);
    const auto* raw = in[0].data<std::uint16_t>();
    const float *tlx = in[1].data<float>(), *tly = in[2].data<float>();
    const float *brx = in[3].data<float>(), *bry = in[4].data<float>();
    const auto* other = in[5].data<std::uint8_t>();
    const int channels = in[5].ndim() == 3 ? in[5].shape(2) : 1;
    const long long n = in[0].size();
    void* dst = out.data<void>();
    enc.dispatch([=, p = p_] { run(raw, tlx, tly, brx, bry, other, channels, n, p, dst); });
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
