// SPDX-License-Identifier: Apache-2.0
// CPU twin of the Z16 decimation (decimation_twins.h): a custom Primitive whose eval_cpu splits
// output rows over threads. The portable path builds s*s strided planes plus a sorting network or
// a reshaped sum, several whole-image passes on one thread; this is one pass with identical output.
#include "robomlx/depth/decimation_twins.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/parallel.h"

namespace robomlx::depth {

namespace {

// Lower median of the non-zero samples of each s x s block of one output row (s = 2, 3), as the
// portable path computes it but on row-long planes, so every loop is branch-free and vectorises:
// v - 1 in uint16 maps 0 to 65535, above every valid value, so the sorting network leaves the n
// non-zero samples in front; rank (n - 1) / 2 plus 1 is the answer, and n = 0 gives 65535 + 1 = 0.
// (A per-block insertion sort mispredicted on holes; a per-block network spilled to the stack.)
template <int S>
void median_row(const std::uint16_t* top, int w, int wr, std::uint16_t* o, std::uint16_t* planes, std::uint8_t* n) {
  constexpr int N = S * S;
  std::memset(n, 0, wr);
  for (int k = 0; k < N; ++k) {
    const std::uint16_t* src = top + std::size_t(k / S) * w + k % S;
    std::uint16_t* p = planes + std::size_t(k) * wr;
    for (int x = 0; x < wr; ++x) {
      const std::uint16_t d = src[std::size_t(x) * S];
      n[x] = std::uint8_t(n[x] + (d != 0));
      p[x] = std::uint16_t(d - 1);
    }
  }
  auto cs = [&](int i, int j) {
    std::uint16_t* __restrict pi = planes + std::size_t(i) * wr;
    std::uint16_t* __restrict pj = planes + std::size_t(j) * wr;
    for (int x = 0; x < wr; ++x) {
      const std::uint16_t a = pi[x], b = pj[x];
      pi[x] = a < b ? a : b;
      pj[x] = a < b ? b : a;
    }
  };
  if constexpr (S == 2) {
    cs(0, 1), cs(2, 3), cs(0, 2), cs(1, 3), cs(1, 2);
  } else {
    cs(0, 3), cs(1, 7), cs(2, 5), cs(4, 8), cs(0, 7), cs(2, 4), cs(3, 8), cs(5, 6), cs(0, 2), cs(1, 3), cs(4, 5),
        cs(7, 8), cs(1, 4), cs(3, 6), cs(5, 7), cs(0, 1), cs(2, 4), cs(3, 5), cs(6, 8), cs(2, 3), cs(4, 5), cs(6, 7),
        cs(1, 2), cs(3, 4), cs(5, 6);
  }
  for (int x = 0; x < wr; ++x) o[x] = planes[x];
  for (int r = 1; r <= (N - 1) / 2; ++r) {
    const std::uint16_t* p = planes + std::size_t(r) * wr;
    for (int x = 0; x < wr; ++x) o[x] = n[x] >= 2 * r + 1 ? p[x] : o[x];
  }
  for (int x = 0; x < wr; ++x) o[x] = std::uint16_t(o[x] + 1);
}

// Output rows [y0, y1) of an [hp, wp] image from the [h, w] input (row-contiguous).
void run_rows(const std::uint16_t* in, int w, int s, int hr, int wr, int wp, std::uint16_t* out, int y0, int y1) {
  std::vector<std::uint16_t> planes(s == 2 || s == 3 ? std::size_t(s) * s * wr : 0);
  std::vector<std::uint8_t> n(s == 2 || s == 3 ? wr : 0);
  for (int y = y0; y < y1; ++y) {
    std::uint16_t* o = out + std::size_t(y) * wp;
    if (y >= hr) {
      std::memset(o, 0, sizeof(std::uint16_t) * wp);
      continue;
    }
    const std::uint16_t* top = in + std::size_t(y) * s * w;
    if (s == 2) {
      median_row<2>(top, w, wr, o, planes.data(), n.data());
    } else if (s == 3) {
      median_row<3>(top, w, wr, o, planes.data(), n.data());
    } else {
      for (int x = 0; x < wr; ++x) {
        const std::uint16_t* b = top + std::size_t(x) * s;
        std::int32_t sum = 0, count = 0;
        for (int dy = 0; dy < s; ++dy) {
          for (int dx = 0; dx < s; ++dx) {
            const std::uint16_t d = b[std::size_t(dy) * w + dx];
            sum += d;
            count += d != 0;
          }
        }
        o[x] = std::uint16_t(sum / std::max(count, 1));
      }
    }
    for (int x = wr; x < wp; ++x) o[x] = 0;
  }
}

class DecimateCpu : public mx::UnaryPrimitive {
 public:
  DecimateCpu(mx::Stream stream, int s) : mx::UnaryPrimitive(stream), s_(s) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(in[0]);
    enc.set_output_array(out);
    const auto* src = in[0].data<std::uint16_t>();
    auto* dst = out.data<std::uint16_t>();
    const int w = in[0].shape(1), s = s_;
    const int hr = in[0].shape(0) / s, wr = w / s, hp = out.shape(0), wp = out.shape(1);
    enc.dispatch([=] {
      // ~16k input samples per thread at least: thread start-up costs more than small images.
      const std::int64_t min_rows = std::max<std::int64_t>(1, 16384 / (std::int64_t(wp) * s * s));
      parallel_for(hp, min_rows, [&](std::int64_t y0, std::int64_t y1) {
        run_rows(src, w, s, hr, wr, wp, dst, int(y0), int(y1));
      });
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.decimation/cpu] the CPU twin has no GPU path; use the portable path");
  }

  const char* name() const override { return "DepthDecimateCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return s_ == static_cast<const DecimateCpu&>(other).s_;
  }

 private:
  int s_;
};

}  // namespace

namespace detail {

mx::array decimate_z16_cpu(const mx::array& depth, int s, mx::Stream stream) {
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return mx::array({hp, wp}, mx::uint16, std::make_shared<DecimateCpu>(stream, s),
                   {mx::contiguous(depth, false, stream)});
}

}  // namespace detail

}  // namespace robomlx::depth
