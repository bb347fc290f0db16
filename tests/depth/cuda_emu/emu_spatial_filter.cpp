// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.spatial_filter: spatial_filter_gpu.cpp's launches (per iteration a row pass
// and a column pass, then the float hole fill) on the host emulator against librealsense's
// recursions written as plain loops here, bit for bit, for Z16 and float images of odd, tiny and
// multi-chunk sizes and several option sets.
#include <random>

#include "depth_kernels.h"

namespace {

struct Options {
  float alpha, keep;  // keep = 1 - alpha, rounded once
  int delta, radius, iterations;
};

bool positive(float v) { return __float_as_int(v) > 0; }
int blend16(int cur, int other, const Options& o) { return int(float(cur) * o.alpha + float(other) * o.keep + 0.5f); }

// librealsense's float recursion along one line (`n` values `step` apart), both directions.
void float_line(float* p, int n, long step, const Options& o) {
  const float delta = float(o.delta);
  for (int dir = 0; dir < 2; ++dir) {
    float* first = dir == 0 ? p : p + (n - 1) * step;
    const long s = dir == 0 ? step : -step;
    float state = *first, prev = *first;
    bool valid = positive(prev);
    for (int k = 1; k < n; ++k) {
      float& v = first[k * s];
      const float in = v;
      const float d = prev - in;
      const bool blend = valid && positive(in) && d < delta && d > -delta;
      state = blend ? in * o.alpha + state * o.keep : in;
      v = state;
      prev = in;
      valid = positive(in);
    }
  }
}

// recursive_filter_horizontal: left->right without the last column, then right->left where a
// raw 1 counts as a hole.
void z16_row(uint16_t* p, int w, const Options& o) {
  unsigned fill = 0;
  int val0 = p[0];
  for (int u = 1; u < w - 1; ++u) {
    int val1 = p[u];
    if (val0 >= 1) {
      if (val1 >= 1) {
        fill = 0;
        const int diff = std::abs(val1 - val0);
        if (diff >= 1 && diff <= o.delta) val1 = blend16(val1, val0, o);
      } else if (o.radius && ++fill < unsigned(o.radius)) {
        val1 = val0;
      }
    }
    p[u] = uint16_t(val1);
    val0 = val1;
  }
  fill = 0;
  int val1 = p[w - 1];
  for (int u = w - 2; u >= 0; --u) {
    int cur = p[u];
    if (val1 >= 1) {
      if (cur > 1) {
        fill = 0;
        if (std::abs(val1 - cur) <= o.delta) cur = blend16(cur, val1, o);
      } else if (o.radius && ++fill < unsigned(o.radius)) {
        cur = val1;
      }
    }
    p[u] = uint16_t(cur);
    val1 = cur;
  }
}

// recursive_filter_vertical: top->bottom with no validity test, bottom->top with both valid.
void z16_column(uint16_t* p, int h, int w, const Options& o) {
  for (int y = 1; y < h; ++y) {
    const int prev = p[long(y - 1) * w], cur = p[long(y) * w];
    if (std::abs(prev - cur) < o.delta) p[long(y) * w] = uint16_t(blend16(cur, prev, o));
  }
  for (int y = h - 2; y >= 0; --y) {
    const int below = p[long(y + 1) * w], cur = p[long(y) * w];
    if (cur >= 1 && below >= 1 && std::abs(cur - below) < o.delta) p[long(y) * w] = uint16_t(blend16(cur, below, o));
  }
}

// Float hole filling of one row; right->left, column w - 1 takes the next row's first pixel.
void float_fill(float* p, int w, float next_first, const Options& o) {
  unsigned fill = 0;
  for (int x = 1; x < w; ++x) {
    if (__float_as_int(p[x]) != 0) fill = 0;
    else if (++fill < unsigned(o.radius)) p[x] = p[x - 1];
  }
  fill = 0;
  for (int x = w - 1; x >= 1; --x) {
    if (__float_as_int(p[x]) != 0) fill = 0;
    else if (++fill < unsigned(o.radius)) p[x] = x + 1 < w ? p[x + 1] : next_first;
  }
}

template <typename T>
std::vector<T> reference(std::vector<T> img, int h, int w, const Options& o) {
  for (int it = 0; it < o.iterations; ++it) {
    for (int y = 0; y < h; ++y) {
      if constexpr (std::is_same_v<T, float>) float_line(&img[long(y) * w], w, 1, o);
      else z16_row(&img[long(y) * w], w, o);
    }
    for (int x = 0; x < w; ++x) {
      if constexpr (std::is_same_v<T, float>) float_line(&img[x], h, w, o);
      else z16_column(&img[x], h, w, o);
    }
  }
  if constexpr (std::is_same_v<T, float>) {
    if (o.radius > 0) {
      const std::vector<float> filtered = img;
      for (int y = 0; y < h; ++y) float_fill(&img[long(y) * w], w, y + 1 < h ? filtered[long(y + 1) * w] : 0.0f, o);
    }
  }
  return img;
}

// Depth-like rows: plateaus with noise, holes (0) and raw 1s.
template <typename T>
std::vector<T> make_image(int h, int w, std::mt19937& rng) {
  std::vector<T> v(size_t(h) * w);
  std::uniform_int_distribution<int> base(100, 3000), noise(-30, 30), hole(0, 9);
  int b = base(rng);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (x % 37 == 0) b = base(rng);
      const int val = hole(rng) == 0 ? 0 : (hole(rng) == 1 ? 1 : std::max(0, b + noise(rng)));
      v[size_t(y) * w + x] = std::is_same_v<T, float> ? T(val / 7.3f) : T(val);
    }
  return v;
}

// The launch sequence of spatial_filter_gpu (one thread per line, 32-thread blocks).
template <int AB, int KB, int D, int R>
void run(int h, int w, int iterations, std::mt19937& rng) {
  const Options o{__int_as_float(AB), __int_as_float(KB), D, R, iterations};
  auto lines = [](int n) { return unsigned((n + 31) / 32 * 32); };
  {
    auto img = make_image<float>(h, w, rng);
    const auto want = reference(img, h, w, o);
    std::vector<float> a = img, b(img.size());
    for (int it = 0; it < iterations; ++it) {
      mlx_launch_serial({lines(h)}, {32}, [&] { rs_spatial_f32_rows::kernel<AB, KB, D, R>(a.data(), shape_of({h, w}), b.data()); });
      mlx_launch_serial({lines(w)}, {32}, [&] { rs_spatial_f32_columns::kernel<AB, KB, D, R>(b.data(), shape_of({h, w}), a.data()); });
    }
    if (R > 0) {
      mlx_launch_serial({lines(h)}, {32}, [&] { rs_spatial_f32_fill::kernel<AB, KB, D, R>(a.data(), shape_of({h, w}), b.data()); });
      a = b;
    }
    emu_compare_bits(a, want, "float", h, w);
  }
  {
    auto img = make_image<uint16_t>(h, w, rng);
    const auto want = reference(img, h, w, o);
    std::vector<uint16_t> a = img, b(img.size());
    for (int it = 0; it < iterations; ++it) {
      mlx_launch_serial({lines(h)}, {32}, [&] { rs_spatial_z16_rows::kernel<AB, KB, D, R>(a.data(), shape_of({h, w}), b.data()); });
      mlx_launch_serial({lines(w)}, {32}, [&] { rs_spatial_z16_columns::kernel<AB, KB, D, R>(b.data(), shape_of({h, w}), a.data()); });
    }
    emu_compare_bits(a, want, "z16", h, w);
  }
}

}  // namespace

int main() {
  std::mt19937 rng(7);
  const int sizes[][2] = {{1, 1}, {2, 2}, {3, 5}, {1, 40}, {40, 1}, {31, 33}, {32, 32}, {33, 31}, {64, 65}, {70, 97}, {20, 200}};
  for (auto& s : sizes) {
    // Template bits: alpha, 1 - alpha as float bits; delta; fill radius.
    run<0x3f000000, 0x3f000000, 20, 4>(s[0], s[1], 1, rng);        // alpha 0.5
    run<0x3f400000, 0x3e800000, 8, 65535>(s[0], s[1], 2, rng);     // alpha 0.75, unlimited fill
    run<0x3e800000, 0x3f400000, 50, 0>(s[0], s[1], 1, rng);        // alpha 0.25, no fill
    run<0x3f800000, 0x00000000, 1, 2>(s[0], s[1], 1, rng);         // alpha 1
  }
  return emu_finish("kernels.emu.spatial_filter");
}
