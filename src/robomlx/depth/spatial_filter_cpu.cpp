// SPDX-License-Identifier: Apache-2.0
// CPU twin of the spatial filter: librealsense's scalar loops in a Primitive whose eval_cpu splits
// rows (horizontal passes) and column blocks (vertical passes) over a few threads; the threads
// meet at a barrier between passes. Results equal the portable path bit for bit.
#include <algorithm>
#include <barrier>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/depth/spatial_filter_twins.h"

// Upstream's x86 build multiplies and adds separately; keep compilers from fusing them.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace robomlx::depth::detail {

namespace {

struct Params {
  int h = 0, w = 0, iterations = 0, radius = 0, delta = 0;
  float alpha = 0, keep = 0;  // keep = 1 - alpha, rounded to float once, as upstream
};

inline bool positive_bits(float v) {
  int32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b > 0;
}

// One directional float scan over n samples starting at p, `stride` apart (may be negative).
void float_line(float* p, int n, std::ptrdiff_t stride, const Params& q) {
  float state = p[0], prev = p[0];
  bool valid = positive_bits(prev);
  const float delta = static_cast<float>(q.delta);
  for (int k = 1; k < n; ++k) {
    float in = p[k * stride];
    if (positive_bits(in)) {
      float d = prev - in;
      if (valid && d < delta && d > -delta) {
        state = in * q.alpha + state * q.keep;
        p[k * stride] = state;
      } else {
        state = in;
      }
      valid = true;
    } else {
      valid = false;
    }
    prev = in;
  }
}

void float_fill_row(float* p, const float* next_first, const Params& q) {
  auto empty = [](const float* v) { int32_t b; std::memcpy(&b, v, sizeof b); return b == 0; };
  size_t fill = 0;
  for (int x = 1; x < q.w; ++x) {
    if (empty(p + x)) {
      if (++fill < static_cast<size_t>(q.radius)) p[x] = p[x - 1];
    } else {
      fill = 0;
    }
  }
  fill = 0;
  for (int x = q.w - 1; x >= 1; --x) {
    if (empty(p + x)) {
      if (++fill < static_cast<size_t>(q.radius)) p[x] = x + 1 < q.w ? p[x + 1] : *next_first;
    } else {
      fill = 0;
    }
  }
}

inline uint16_t blend16(int cur, int other, const Params& q) {
  float filtered = cur * q.alpha + other * q.keep;
  return static_cast<uint16_t>(filtered + 0.5f);
}

void z16_row(uint16_t* p, const Params& q) {
  const size_t radius = q.radius;
  int val0 = p[0];
  size_t fill = 0;
  for (int u = 1; u < q.w - 1; ++u) {  // left->right, last column not visited
    int val1 = p[u];
    if (val0 >= 1) {
      if (val1 >= 1) {
        fill = 0;
        int diff = std::abs(val1 - val0);
        if (diff >= 1 && diff <= q.delta) p[u] = val1 = blend16(val1, val0, q);
      } else if (radius && ++fill < radius) {
        p[u] = val1 = val0;
      }
    }
    val0 = val1;
  }
  int val1 = p[q.w - 1];
  fill = 0;
  for (int u = q.w - 2; u >= 0; --u) {  // right->left, a raw 1 counts as a hole
    int cur = p[u];
    if (val1 >= 1) {
      if (cur > 1) {
        fill = 0;
        if (std::abs(val1 - cur) <= q.delta) p[u] = cur = blend16(cur, val1, q);
      } else if (radius && ++fill < radius) {
        p[u] = cur = val1;
      }
    }
    val1 = cur;
  }
}

void z16_columns(uint16_t* img, int c0, int c1, const Params& q) {
  const int w = q.w;
  for (int y = 1; y < q.h; ++y) {  // top->bottom, no validity test
    const uint16_t* up = img + static_cast<size_t>(y - 1) * w;
    uint16_t* row = img + static_cast<size_t>(y) * w;
    for (int x = c0; x < c1; ++x) {
      int prev = up[x], cur = row[x];
      if (std::abs(prev - cur) < q.delta) row[x] = blend16(cur, prev, q);
    }
  }
  for (int y = q.h - 2; y >= 0; --y) {  // bottom->top, both valid
    const uint16_t* down = img + static_cast<size_t>(y + 1) * w;
    uint16_t* row = img + static_cast<size_t>(y) * w;
    for (int x = c0; x < c1; ++x) {
      int below = down[x], cur = row[x];
      if (cur >= 1 && below >= 1 && std::abs(cur - below) < q.delta) row[x] = blend16(cur, below, q);
    }
  }
}

// Runs fn(thread, count, barrier) on `count` threads (the caller is thread 0).
template <typename Fn>
void run_threads(int count, Fn fn) {
  std::barrier sync(count);
  std::vector<std::thread> pool;
  for (int t = 1; t < count; ++t) pool.emplace_back([&, t] { fn(t, count, sync); });
  fn(0, count, sync);
  for (auto& th : pool) th.join();
}

inline std::pair<int, int> share(int n, int t, int count) {
  int chunk = (n + count - 1) / count;
  return {std::min(n, t * chunk), std::min(n, (t + 1) * chunk)};
}

void filter(void* data, bool is_float, const Params& q) {
  int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int threads = std::clamp(std::min(q.h, q.w) / 32, 1, std::min(hw, 16));
  run_threads(threads, [&](int t, int count, auto& sync) {
    auto [r0, r1] = share(q.h, t, count);
    auto [c0, c1] = share(q.w, t, count);
    for (int it = 0; it < q.iterations; ++it) {
      if (is_float) {
        auto* img = static_cast<float*>(data);
        for (int y = r0; y < r1; ++y) {
          float* row = img + static_cast<size_t>(y) * q.w;
          float_line(row, q.w, 1, q);
          float_line(row + q.w - 1, q.w, -1, q);
        }
        sync.arrive_and_wait();
        for (int x = c0; x < c1; ++x) {
          float_line(img + x, q.h, q.w, q);
          float_line(img + static_cast<size_t>(q.h - 1) * q.w + x, q.h, -static_cast<std::ptrdiff_t>(q.w), q);
        }
      } else {
        auto* img = static_cast<uint16_t*>(data);
        for (int y = r0; y < r1; ++y) z16_row(img + static_cast<size_t>(y) * q.w, q);
        sync.arrive_and_wait();
        z16_columns(img, c0, c1, q);
      }
      sync.arrive_and_wait();
    }
    if (is_float && q.radius > 0) {
      // Rows only read the next row's first pixel, which filling never changes.
      auto* img = static_cast<float*>(data);
      static const float zero = 0.0f;
      for (int y = r0; y < r1; ++y) {
        const float* next_first = y + 1 < q.h ? img + static_cast<size_t>(y + 1) * q.w : &zero;
        float_fill_row(img + static_cast<size_t>(y) * q.w, next_first, q);
      }
    }
  });
}

class SpatialFilterCpu : public mx::UnaryPrimitive {
 public:
  SpatialFilterCpu(mx::Stream s, const Params& q) : mx::UnaryPrimitive(s), q_(q) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    const auto& in = inputs[0];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(in);
    enc.set_output_array(out);
    enc.dispatch([src = in.data<char>(), dst = out.data<char>(), bytes = out.nbytes(),
                  is_float = in.dtype() == mx::float32, q = q_] {
      std::memcpy(dst, src, bytes);
      filter(dst, is_float, q);
    });
  }
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.spatial/cpu] SpatialFilterCpu runs on CPU streams only");
  }
  const char* name() const override { return "SpatialFilterCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const SpatialFilterCpu&>(other).q_;
    return o.iterations == q_.iterations && o.radius == q_.radius && o.delta == q_.delta && o.alpha == q_.alpha;
  }

 private:
  Params q_;
};

}  // namespace

mx::array spatial_filter_cpu(const mx::array& image, const SpatialFilterOptions& options, mx::Stream s) {
  Params q;
  q.h = image.shape(0);
  q.w = image.shape(1);
  q.iterations = options.iterations;
  q.radius = options.holes_fill_radius();
  q.delta = options.delta;
  q.alpha = options.alpha;
  q.keep = 1.0f - options.alpha;
  auto in = mx::contiguous(image, false, s);
  return mx::array(in.shape(), in.dtype(), std::make_shared<SpatialFilterCpu>(s, q), {in});
}

}  // namespace robomlx::depth::detail
