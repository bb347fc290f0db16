// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/decimation_cpu.h"

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

// Output rows [y0, y1) of an [hp, wp] image from the [h, w] input (row-contiguous).
void run_rows(const std::uint16_t* in, int w, int s, int hr, int wr, int wp, std::uint16_t* out, int y0, int y1) {
  std::uint16_t v[9];
  for (int y = y0; y < y1; ++y) {
    std::uint16_t* o = out + std::size_t(y) * wp;
    if (y >= hr) {
      std::memset(o, 0, sizeof(std::uint16_t) * wp);
      continue;
    }
    const std::uint16_t* top = in + std::size_t(y) * s * w;
    for (int x = 0; x < wr; ++x) {
      const std::uint16_t* b = top + std::size_t(x) * s;
      if (s == 2 || s == 3) {
        // Lower median of the non-zero samples (insertion sort of at most 9 values).
        int n = 0;
        for (int dy = 0; dy < s; ++dy) {
          for (int dx = 0; dx < s; ++dx) {
            const std::uint16_t d = b[std::size_t(dy) * w + dx];
            if (d == 0) continue;
            int i = n++;
            while (i > 0 && v[i - 1] > d) {
              v[i] = v[i - 1];
              --i;
            }
            v[i] = d;
          }
        }
        o[x] = n == 0 ? 0 : v[(n - 1) / 2];
      } else {
        std::int32_t sum = 0, n = 0;
        for (int dy = 0; dy < s; ++dy) {
          for (int dx = 0; dx < s; ++dx) {
            const std::uint16_t d = b[std::size_t(dy) * w + dx];
            sum += d;
            n += d != 0;
          }
        }
        o[x] = std::uint16_t(n == 0 ? 0 : sum / n);
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

mx::array decimate_z16_cpu(const mx::array& depth, int s) {
  const auto stream = mx::default_stream(mx::Device::cpu);
  const int hr = depth.shape(0) / s, wr = depth.shape(1) / s;
  const int hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  return mx::array({hp, wp}, mx::uint16, std::make_shared<DecimateCpu>(stream, s),
                   {mx::contiguous(depth, false, stream)});
}

}  // namespace robomlx::depth
