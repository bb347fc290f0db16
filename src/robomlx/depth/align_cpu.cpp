// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/align_cpu.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

namespace robomlx::depth {

namespace {

class SplatMin : public mx::UnaryPrimitive {
 public:
  SplatMin(mx::Stream s, int ho, int wo, bool skip_outside)
      : mx::UnaryPrimitive(s), ho_(ho), wo_(wo), skip_outside_(skip_outside) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    enc.set_output_array(out);
    const auto* z = in[0].data<std::uint16_t>();
    const auto* x0 = in[1].data<std::int32_t>();
    const auto* y0 = in[2].data<std::int32_t>();
    const auto* x1 = in[3].data<std::int32_t>();
    const auto* y1 = in[4].data<std::int32_t>();
    auto* dst = out.data<std::uint16_t>();
    const long long n = in[0].size();
    enc.dispatch([=, ho = ho_, wo = wo_, skip = skip_outside_] {
      std::memset(dst, 0, std::size_t(ho) * wo * sizeof(std::uint16_t));
      for (long long i = 0; i < n; ++i) {
        const std::uint16_t v = z[i];
        if (!v) continue;
        if (skip && (x0[i] < 0 || y0[i] < 0 || x1[i] >= wo || y1[i] >= ho)) continue;
        const int ya = std::max(y0[i], 0), yb = std::min(y1[i], ho - 1);
        const int xa = std::max(x0[i], 0), xb = std::min(x1[i], wo - 1);
        for (int y = ya; y <= yb; ++y) {
          std::uint16_t* row = dst + std::size_t(y) * wo;
          for (int x = xa; x <= xb; ++x) row[x] = row[x] ? std::min(row[x], v) : v;
        }
      }
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.align/cpu] the CPU splat twin has no GPU path; use the portable path");
  }

  const char* name() const override { return "DepthAlignSplatMin"; }

 private:
  int ho_, wo_;
  bool skip_outside_;
};

}  // namespace

mx::array splat_min_cpu(const mx::array& z, const mx::array& x0, const mx::array& y0, const mx::array& x1,
                        const mx::array& y1, int ho, int wo, bool skip_outside) {
  const auto s = mx::default_stream(mx::Device::cpu);
  std::vector<mx::array> inputs = {mx::contiguous(z, false, s), mx::contiguous(x0, false, s), mx::contiguous(y0, false, s),
                                   mx::contiguous(x1, false, s), mx::contiguous(y1, false, s)};
  return mx::array({ho, wo}, mx::uint16, std::make_shared<SplatMin>(s, ho, wo, skip_outside), std::move(inputs));
}

}  // namespace robomlx::depth
