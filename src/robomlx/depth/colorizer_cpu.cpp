// SPDX-License-Identifier: Apache-2.0
// CPU twin of the colorizer (colorizer_twins.h): one host pass for the histogram and one for the
// lookup in a custom Primitive, the same float32 formulas as the portable path (colorizer.cpp).
#include "robomlx/depth/colorizer_twins.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/depth/colorizer.h"

namespace robomlx::depth {

namespace {

// std::max(0, std::min(f, 1)) with its NaN -> 0, then (int)(t * steps).
inline int lut_index(float f, int steps) {
  f = f > 1.0f ? 1.0f : f;
  f = f > 0.0f ? f : 0.0f;
  return int(f * float(steps));
}

template <typename T>
void run(const T* v, long long n, const std::uint8_t* table, int steps, bool equalize, float units, float lo,
         float hi, bool disparity, std::uint8_t* out) {
  std::vector<int> cum;
  if (equalize) {
    cum.assign(65536, 0);
    for (long long i = 0; i < n; ++i) {
      float x = float(v[i]);
      x = std::isnan(x) ? 0.0f : std::min(std::max(x, 0.0f), 65535.0f);
      cum[int(x)]++;
    }
    for (int i = 2; i < 65536; ++i) cum[i] += cum[i - 1];
  }
  const float pixels = equalize ? float(cum[65535]) : 0.0f;
  for (long long i = 0; i < n; ++i) {
    const float x = float(v[i]);
    std::uint8_t* o = out + 3 * i;
    if (x == 0.0f) {
      o[0] = o[1] = o[2] = 0;
      continue;
    }
    float f;
    if (equalize) {
      const float c = std::isnan(x) ? 0.0f : std::min(std::max(x, 0.0f), 65535.0f);
      f = float(cum[int(c)]) / pixels;
    } else if (disparity) {
      f = (x - lo) / (hi - lo);
    } else {
      f = lo >= hi ? 0.0f : (x * units - lo) / (hi - lo);
    }
    const std::uint8_t* c = table + 3 * lut_index(f, steps);
    o[0] = c[0], o[1] = c[1], o[2] = c[2];
  }
}

class ColorizeCpu : public mx::UnaryPrimitive {
 public:
  ColorizeCpu(mx::Stream s, bool equalize, float units, float lo, float hi)
      : mx::UnaryPrimitive(s), equalize_(equalize), units_(units), lo_(lo), hi_(hi) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(in[0]);
    enc.set_input_array(in[1]);
    enc.set_output_array(out);
    const bool disparity = in[0].dtype() == mx::float32;
    const void* data = disparity ? static_cast<const void*>(in[0].data<float>())
                                 : static_cast<const void*>(in[0].data<std::uint16_t>());
    const auto* table = in[1].data<std::uint8_t>();
    const int steps = in[1].shape(0) - 1;
    const long long n = in[0].size();
    auto* dst = out.data<std::uint8_t>();
    enc.dispatch([=, eq = equalize_, units = units_, lo = lo_, hi = hi_] {
      if (disparity) {
        run(static_cast<const float*>(data), n, table, steps, eq, units, lo, hi, true, dst);
      } else {
        run(static_cast<const std::uint16_t*>(data), n, table, steps, eq, units, lo, hi, false, dst);
      }
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.colorizer/cpu] the CPU twin has no GPU path; use the portable path");
  }

  const char* name() const override { return "DepthColorizeCpu"; }

 private:
  bool equalize_;
  float units_, lo_, hi_;
};

}  // namespace

namespace detail {

mx::array colorize_cpu(const mx::array& data, int scheme, bool equalize, float units, float lo, float hi, mx::Stream s) {
  std::vector<mx::array> inputs = {mx::contiguous(data, false, s), mx::contiguous(colormap_table(scheme), false, s)};
  return mx::array({data.shape(0), data.shape(1), 3}, mx::uint8, std::make_shared<ColorizeCpu>(s, equalize, units, lo, hi),
                   std::move(inputs));
}

}  // namespace detail

}  // namespace robomlx::depth
