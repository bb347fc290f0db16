// SPDX-License-Identifier: Apache-2.0
// CPU twin of splat.metrics' SSIM map. Forward: the five local moments (means of a, b, a^2, b^2,
// ab under the window) by two threaded 11-tap passes, then the map per pixel; the moments are a
// hidden output the backward reads. Backward: the map's derivative by each moment, per pixel and
// scaled by the cotangent; the window sum is its own adjoint (a symmetric kernel with zero
// padding), so the same two passes carry those back to pixels, where the chain rule ends:
//   d a = W(g_mu_a) + 2 a W(g_aa) + b W(g_ab),   d b = W(g_mu_b) + 2 b W(g_bb) + a W(g_ab).
// With A1 = 2 mu_a mu_b + C1, A2 = 2 cov + C2, B1 = mu_a^2 + mu_b^2 + C1, B2 = var_a + var_b + C2,
// S = A1 A2 / (B1 B2) and D = B1 B2:
//   dS/d mu_a = 2 mu_b (A2 - A1) / D - 2 mu_a S (B2 - B1) / D   (mu_b: a and b swapped)
//   dS/d E[a^2] = dS/d E[b^2] = -S / B2,   dS/d E[ab] = 2 A1 / D.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/transforms.h>

#include "robomlx/core/cpu_isa.h"
#include "robomlx/core/parallel.h"
#include "robomlx/splat/splat_image_metrics_twins.h"

namespace robomlx::splat::detail {

namespace {

using Taps = std::array<float, kSsimWindow>;
constexpr int kHalf = kSsimWindow / 2;

// One row of the vertical pass: out = sum over taps t of g[t] * (row y + t - 5 of the map).
ROBOMLX_AVX2_CLONES void blur_row_vertical(const float* map, float* out, int y, int h, int w, const float* g) {
  std::fill(out, out + w, 0.0f);
  for (int t = std::max(0, kHalf - y); t < std::min(kSsimWindow, h + kHalf - y); ++t) {
    const float* in = map + static_cast<std::int64_t>(y + t - kHalf) * w;
    for (int x = 0; x < w; ++x) out[x] += g[t] * in[x];
  }
}

// One row of the horizontal pass, tap-major like the vertical one: the inner loop runs over
// contiguous x and vectorises.
ROBOMLX_AVX2_CLONES void blur_row_horizontal(const float* in, float* out, int w, const float* g) {
  std::fill(out, out + w, 0.0f);
  for (int t = 0; t < kSsimWindow; ++t) {
    const int lo = std::max(0, kHalf - t), hi = std::min(w, w + kHalf - t);
    for (int x = lo; x < hi; ++x) out[x] += g[t] * in[x + t - kHalf];
  }
}

// dst = the window sum of each of the k maps [h, w] in src (zero padding); tmp: scratch, same size.
void blur_maps(const float* src, float* tmp, float* dst, std::int64_t k, int h, int w, const Taps& g) {
  const std::int64_t rows = k * h, chunk = std::max<std::int64_t>(1, 8192 / w);
  parallel_for(rows, chunk, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r)
      blur_row_vertical(src + r / h * h * w, tmp + r * w, static_cast<int>(r % h), h, w, g.data());
  });
  parallel_for(rows, chunk, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) blur_row_horizontal(tmp + r * w, dst + r * w, w, g.data());
  });
}

struct Terms {
  float a1, a2, b1, b2, s;
};
inline Terms terms(float mu_a, float mu_b, float e_aa, float e_bb, float e_ab) {
  Terms t;
  t.a1 = 2 * mu_a * mu_b + kSsimC1;
  t.a2 = 2 * (e_ab - mu_a * mu_b) + kSsimC2;
  t.b1 = mu_a * mu_a + mu_b * mu_b + kSsimC1;
  t.b2 = (e_aa - mu_a * mu_a) + (e_bb - mu_b * mu_b) + kSsimC2;
  t.s = t.a1 * t.a2 / (t.b1 * t.b2);
  return t;
}

// Scratch from MLX's allocator, whose buffer cache hands the same pages back step after step
// (fresh std::vectors cost a zero fill and page faults: a fifth of the op's time).
class Scratch {
 public:
  explicit Scratch(std::int64_t floats)
      : buf_(mx::allocator::allocator().malloc(static_cast<std::size_t>(floats) * sizeof(float))) {}
  ~Scratch() { mx::allocator::allocator().free(buf_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* data() { return static_cast<float*>(buf_.raw_ptr()); }

 private:
  mx::allocator::Buffer buf_;
};

void prepare(mx::array& o, mx::cpu::CommandEncoder& enc) {
  o.set_data(mx::allocator::malloc(o.nbytes()));
  enc.set_output_array(o);
}

// Inputs a, b [C, H, W]; outputs the map [C, H, W] and the moments [5C, H, W] (mu_a, mu_b, E[a^2],
// E[b^2], E[ab], each C maps).
class SsimForwardCpu : public mx::Primitive {
 public:
  explicit SsimForwardCpu(mx::Stream s) : mx::Primitive(s) {}
  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    for (auto& o : out) prepare(o, enc);
    const int c = in[0].shape(0), h = in[0].shape(1), w = in[0].shape(2);
    enc.dispatch([a = in[0].data<float>(), b = in[1].data<float>(), map = out[0].data<float>(),
                  mom = out[1].data<float>(), c, h, w] {
      const std::int64_t n = static_cast<std::int64_t>(c) * h * w;
      Scratch prod_buf(5 * n), tmp(5 * n);
      float* prod = prod_buf.data();
      parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          prod[i] = a[i], prod[n + i] = b[i], prod[2 * n + i] = a[i] * a[i], prod[3 * n + i] = b[i] * b[i];
          prod[4 * n + i] = a[i] * b[i];
        }
      });
      blur_maps(prod, tmp.data(), mom, 5LL * c, h, w, ssim_taps());
      parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i)
          map[i] = terms(mom[i], mom[n + i], mom[2 * n + i], mom[3 * n + i], mom[4 * n + i]).s;
      });
    });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[splat.metrics/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return "SplatSsimForwardCpu"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }
};

// Inputs a, b, the moments, the map's cotangent; outputs d a, d b.
class SsimBackwardCpu : public mx::Primitive {
 public:
  explicit SsimBackwardCpu(mx::Stream s) : mx::Primitive(s) {}
  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    for (auto& o : out) prepare(o, enc);
    const int c = in[0].shape(0), h = in[0].shape(1), w = in[0].shape(2);
    enc.dispatch([a = in[0].data<float>(), b = in[1].data<float>(), mom = in[2].data<float>(),
                  cot = in[3].data<float>(), da = out[0].data<float>(), db = out[1].data<float>(), c, h, w] {
      const std::int64_t n = static_cast<std::int64_t>(c) * h * w;
      Scratch g_buf(5 * n), tmp(5 * n), wg_buf(5 * n);
      float *g = g_buf.data(), *wg = wg_buf.data();
      parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          const float mu_a = mom[i], mu_b = mom[n + i];
          const Terms t = terms(mu_a, mu_b, mom[2 * n + i], mom[3 * n + i], mom[4 * n + i]);
          const float inv_d = cot[i] / (t.b1 * t.b2);
          g[i] = (2 * mu_b * (t.a2 - t.a1) - 2 * mu_a * t.s * (t.b2 - t.b1)) * inv_d;
          g[n + i] = (2 * mu_a * (t.a2 - t.a1) - 2 * mu_b * t.s * (t.b2 - t.b1)) * inv_d;
          g[2 * n + i] = g[3 * n + i] = -t.s * cot[i] / t.b2;
          g[4 * n + i] = 2 * t.a1 * inv_d;
        }
      });
      blur_maps(g, tmp.data(), wg, 5LL * c, h, w, ssim_taps());
      parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          da[i] = wg[i] + 2 * a[i] * wg[2 * n + i] + b[i] * wg[4 * n + i];
          db[i] = wg[n + i] + 2 * b[i] * wg[3 * n + i] + a[i] * wg[4 * n + i];
        }
      });
    });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[splat.metrics/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return "SplatSsimBackwardCpu"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }
};

}  // namespace

mx::array ssim_map_cpu(const mx::array& a, const mx::array& b, mx::Stream s) {
  const mx::Shape shape = a.shape();
  mx::Shape moments = shape;
  moments[0] *= 5;
  auto forward = [=](const std::vector<mx::array>& p) {
    return mx::array::make_arrays({shape, moments}, {mx::float32, mx::float32}, std::make_shared<SsimForwardCpu>(s),
                                  {mx::contiguous(p[0], false, s), mx::contiguous(p[1], false, s)});
  };
  auto backward = [=](const std::vector<mx::array>& p, const std::vector<mx::array>& cot,
                      const std::vector<mx::array>& out) {
    return mx::array::make_arrays({shape, shape}, {mx::float32, mx::float32}, std::make_shared<SsimBackwardCpu>(s),
                                  {mx::contiguous(p[0], false, s), mx::contiguous(p[1], false, s), out[1],
                                   mx::contiguous(mx::astype(cot[0], mx::float32, s), false, s)});
  };
  // Built inside a StreamContext: custom_vjp takes no stream and would put its node on the default one.
  mx::StreamContext on(s);
  return mx::custom_vjp(forward, backward)({a, b})[0];
}

}  // namespace robomlx::splat::detail
