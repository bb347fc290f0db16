// SPDX-License-Identifier: Apache-2.0
// CPU twin of remap_bilinear (rectify_twins.h): output rows split across threads.
#include "robomlx/stereo/rectify_twins.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/parallel.h"

namespace robomlx::stereo::detail {

namespace {

template <typename T>
void remap_rows(const T* src, int h, int w, int c, const float* map, T* out, int wo, int row0, int row1) {
  for (int y = row0; y < row1; ++y) {
    for (int x = 0; x < wo; ++x) {
      const float* m = map + (std::size_t(y) * wo + x) * 2;
      const float fx = std::floor(m[0]), fy = std::floor(m[1]);
      const float ax = m[0] - fx, ay = m[1] - fy;
      const long x0 = long(std::clamp(fx, -2.0f, float(w + 1))), y0 = long(std::clamp(fy, -2.0f, float(h + 1)));
      T* o = out + (std::size_t(y) * wo + x) * c;
      float wgt[4] = {(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay};
      const T* px[4];
      for (int k = 0; k < 4; ++k) {
        const long xi = x0 + (k & 1), yi = y0 + (k >> 1);
        const bool inside = xi >= 0 && xi < w && yi >= 0 && yi < h;
        if (!inside) wgt[k] = 0;
        px[k] = src + (std::size_t(std::clamp(yi, 0L, long(h - 1))) * w + std::clamp(xi, 0L, long(w - 1))) * c;
      }
      for (int ch = 0; ch < c; ++ch) {
        float v = 0;
        for (int k = 0; k < 4; ++k) v += float(px[k][ch]) * wgt[k];
        if constexpr (std::is_same_v<T, std::uint8_t>) {
          o[ch] = T(std::clamp(std::nearbyint(v), 0.0f, 255.0f));
        } else {
          o[ch] = v;
        }
      }
    }
  }
}

class RemapBilinear : public mx::UnaryPrimitive {
 public:
  explicit RemapBilinear(mx::Stream s) : mx::UnaryPrimitive(s) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    const mx::array& image = inputs[0];
    const mx::array& map = inputs[1];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(image);
    enc.set_input_array(map);
    enc.set_output_array(out);
    const int h = image.shape(0), w = image.shape(1), c = image.ndim() == 3 ? image.shape(2) : 1;
    const int ho = map.shape(0), wo = map.shape(1);
    const float* m = map.data<float>();
    if (image.dtype() == mx::uint8) {
      enc.dispatch([src = image.data<std::uint8_t>(), dst = out.data<std::uint8_t>(), m, h, w, c, ho, wo] {
        run(src, h, w, c, m, dst, ho, wo);
      });
    } else {
      enc.dispatch([src = image.data<float>(), dst = out.data<float>(), m, h, w, c, ho, wo] {
        run(src, h, w, c, m, dst, ho, wo);
      });
    }
  }
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[stereo.remap/cpu] CPU twin called on a GPU stream");
  }
  const char* name() const override { return "RemapBilinearCpu"; }

 private:
  template <typename T>
  static void run(const T* src, int h, int w, int c, const float* map, T* out, int ho, int wo) {
    // Output rows are independent.
    parallel_for(ho, 1, [=](std::int64_t y0, std::int64_t y1) {
      remap_rows<T>(src, h, w, c, map, out, wo, int(y0), int(y1));
    });
  }
};

}  // namespace

mx::array remap_bilinear_cpu(const mx::array& image, const mx::array& map, mx::Stream s) {
  const mx::array img = mx::contiguous(image, false, s), mp = mx::contiguous(map, false, s);
  mx::Shape shape = {map.shape(0), map.shape(1)};
  if (image.ndim() == 3) shape.push_back(image.shape(2));
  return mx::array(shape, image.dtype(), std::make_shared<RemapBilinear>(s), {img, mp});
}

}  // namespace robomlx::stereo::detail
