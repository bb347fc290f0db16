// SPDX-License-Identifier: Apache-2.0
// CPU twin of rms_norm (rms_norm_twins.h): one Primitive in place of MLX's fallback graph. Each row
// is read twice (sum of squares, then the scaled product) while it is in cache; rows are split
// across threads when there are enough of them (a decode step has one row per sequence, a prefill
// or Gemma's per-head norms many).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/cpu_twin_internal.h"
#include "robomlx/core/parallel.h"
#include "robomlx/serve/rms_norm_twins.h"

namespace robomlx::serve::detail {

namespace {

// Offset of row r's first element: r spread over the leading axes (any strides).
std::int64_t row_offset(std::int64_t r, const mx::Shape& shape, const mx::Strides& strides) {
  std::int64_t off = 0;
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) {
    off += (r % shape[d]) * strides[d];
    r /= shape[d];
  }
  return off;
}

template <typename T>
void normalize(const mx::array& x, const T* w, T* y, float eps) {
  const int D = x.shape(-1);
  const std::int64_t rows = static_cast<std::int64_t>(x.size() / D), step = x.strides().back();
  const T* base = x.data<T>();
  parallel_for(rows, std::max<std::int64_t>(1, (std::int64_t{1} << 15) / D), [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const T* xr = base + row_offset(r, x.shape(), x.strides());
      float ss = 0;
      for (int i = 0; i < D; ++i) {
        const float v = static_cast<float>(xr[i * step]);
        ss += v * v;
      }
      const float inv = 1.0f / std::sqrt(ss / static_cast<float>(D) + eps);
      T* yr = y + r * D;
      for (int i = 0; i < D; ++i) {
        const float n = static_cast<float>(static_cast<T>(static_cast<float>(xr[i * step]) * inv));  // rounded to T first
        yr[i] = static_cast<T>(n * static_cast<float>(w[i]));
      }
    }
  });
}

class RmsNormCpu : public CpuTwinPrimitive {
 public:
  RmsNormCpu(mx::Stream s, float eps) : CpuTwinPrimitive(s), eps_(eps) {}

  Task task() const override {
    return [eps = eps_](const std::vector<mx::array>& in, std::vector<mx::array>& out) {
      const mx::array &x = in[0], &w = in[1];
      switch (x.dtype()) {
        case mx::float32: return normalize(x, w.data<float>(), out[0].data<float>(), eps);
        case mx::float16: return normalize(x, w.data<mx::float16_t>(), out[0].data<mx::float16_t>(), eps);
        case mx::bfloat16: return normalize(x, w.data<mx::bfloat16_t>(), out[0].data<mx::bfloat16_t>(), eps);
        default: throw std::invalid_argument("serve.rms_norm/cpu: x must be float32, float16 or bfloat16");
      }
    };
  }

  const char* name() const override { return "ServeRmsNormCpu"; }

 private:
  float eps_;
};

}  // namespace

mx::array rms_norm_cpu(const mx::array& x, const mx::array& weight, float eps, mx::Stream s) {
  // x is read through its strides; weight with unit stride.
  return mx::array(x.shape(), x.dtype(), std::make_shared<RmsNormCpu>(s, eps), {x, twin_input(weight, s)});
}

}  // namespace robomlx::serve::detail
