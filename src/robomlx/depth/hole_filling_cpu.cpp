// SPDX-License-Identifier: Apache-2.0
// CPU twin of hole filling: librealsense's loops in a Primitive. Mode 0 splits rows over threads;
// modes 1/2 run in raster order on one thread (each hole reads filled pixels above and left).
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
#include "robomlx/depth/hole_filling_twins.h"

namespace robomlx::depth::detail {

namespace {

template <typename T>
bool empty(const T* p) {
  if constexpr (std::is_same_v<T, float>) {
    int32_t b;
    std::memcpy(&b, p, sizeof b);
    return b == 0;
  } else {
    return *p == 0;
  }
}

template <typename T>
void from_left(T* img, int w, int r0, int r1) {
  for (int y = r0; y < r1; ++y) {
    T* p = img + static_cast<size_t>(y) * w;
    for (int x = 1; x < w; ++x)
      if (empty(p + x)) p[x] = p[x - 1];
  }
}

template <typename T>
void around(T* img, int h, int w, bool farest) {
  for (int y = 1; y < h - 1; ++y) {
    T* p = img + static_cast<size_t>(y) * w;
    for (int x = 1; x < w; ++x) {
      if (!empty(p + x)) continue;
      const T* cand[4] = {p - w + x - 1, p + x - 1, p + w + x - 1, p + w + x};  // UL, L, DL, D
      T v = p[x - w];                                                          // up
      for (const T* q : cand) {
        if (farest ? *q > v : (!empty(q) && *q < v)) v = *q;
      }
      p[x] = v;
    }
  }
}

template <typename T>
void fill(T* img, int h, int w, int mode) {
  if (mode != 0) {
    around(img, h, w, mode == 1);
    return;
  }
  // Rows are independent in mode 0; at least 64 rows per thread.
  parallel_for(h, 64, [=](int64_t y0, int64_t y1) { from_left(img, w, int(y0), int(y1)); });
}

class HoleFillingCpu : public mx::UnaryPrimitive {
 public:
  HoleFillingCpu(mx::Stream s, int mode) : mx::UnaryPrimitive(s), mode_(mode) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    const auto& in = inputs[0];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(in);
    enc.set_output_array(out);
    enc.dispatch([src = in.data<char>(), dst = out.data<void>(), bytes = out.nbytes(), h = in.shape(0),
                  w = in.shape(1), is_float = in.dtype() == mx::float32, mode = mode_] {
      std::memcpy(dst, src, bytes);
      if (is_float) {
        fill(static_cast<float*>(dst), h, w, mode);
      } else {
        fill(static_cast<uint16_t*>(dst), h, w, mode);
      }
    });
  }
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.hole_filling/cpu] HoleFillingCpu runs on CPU streams only");
  }
  const char* name() const override { return "HoleFillingCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return static_cast<const HoleFillingCpu&>(other).mode_ == mode_;
  }

 private:
  int mode_;
};

}  // namespace

mx::array hole_filling_cpu(const mx::array& image, int mode, mx::Stream s) {
  auto in = mx::contiguous(image, false, s);
  return mx::array(in.shape(), in.dtype(), std::make_shared<HoleFillingCpu>(s, mode), {in});
}

}  // namespace robomlx::depth::detail
