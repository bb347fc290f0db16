// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.hole_filling: hole_filling_gpu.cpp's launches on the host emulator against
// librealsense's loops written plainly here, bit for bit: mode 0 (the line walker, fill from the
// left) and modes 1/2 (the multi-block anti-diagonal pipeline, whose blocks wait on the progress
// flags of the block above: the emulator runs blocks in order), Z16 and float, with long hole
// runs across chunks and bands.
#include <random>

#include "depth_kernels.h"

namespace {

template <typename T>
bool empty(T v) {
  if constexpr (std::is_same_v<T, float>) return __float_as_int(v) == 0;
  else return v == 0;
}

// Mode 0: an empty pixel takes its (filled) left neighbour.
template <typename T>
void from_left(std::vector<T>& img, int h, int w) {
  for (int y = 0; y < h; ++y)
    for (int x = 1; x < w; ++x)
      if (empty(img[size_t(y) * w + x])) img[size_t(y) * w + x] = img[size_t(y) * w + x - 1];
}

// Modes 1 (farest) / 2 (nearest), raster order over rows 1 .. h - 2 and columns 1 .. w - 1: an
// empty pixel takes up, replaced by the first of up-left, left, down-left, down that is farther
// (mode 1) or nearer and not empty (mode 2).
template <typename T>
void around(std::vector<T>& img, int h, int w, bool farest) {
  for (int y = 1; y < h - 1; ++y)
    for (int x = 1; x < w; ++x) {
      T* p = &img[size_t(y) * w + x];
      if (!empty(*p)) continue;
      T v = p[-w];
      for (T c : {p[-w - 1], p[-1], p[w - 1], p[w]})
        if (farest ? c > v : (!empty(c) && c < v)) v = c;
      *p = v;
    }
}

template <typename T>
std::vector<T> make_image(int h, int w, std::mt19937& rng) {
  std::vector<T> v(size_t(h) * w);
  std::uniform_int_distribution<int> val(1, 5000), hole(0, 3);
  for (auto& x : v) x = hole(rng) == 0 ? T(0) : T(val(rng) / (std::is_same_v<T, float> ? 3.0f : 1.0f));
  // Long hole chains too: empty columns on the left (as RealSense frames have) and an empty
  // rectangle spanning bands.
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (x < w / 5 || (y > h / 4 && y < 3 * h / 4 && x > w / 3 && x < w / 2)) v[size_t(y) * w + x] = T(0);
  return v;
}

template <typename T, typename V>
void run(int h, int w, std::mt19937& rng) {
  const auto in = make_image<T>(h, w, rng);
  const Shape shape = shape_of({h, w});
  {
    auto want = in;
    from_left(want, h, w);
    std::vector<T> out(in.size(), T(77));
    const unsigned threads = (h + 31) / 32 * 32;
    mlx_launch_serial({threads}, {32}, [&] { rs_hole_fill_left::kernel<V, T>(in.data(), shape, out.data()); });
    emu_compare_bits(out, want, "mode 0", h, w);
  }
  if (h < 3) return;  // modes 1/2 return the image unchanged
  for (bool farest : {true, false}) {
    auto want = in;
    around(want, h, w, farest);
    // One 128-thread block per 32 rows of rows 1 .. h - 2; outputs zero-initialised (init_value 0).
    const unsigned blocks = (h - 2 + 31) / 32;
    std::vector<T> out(in.size(), T(0));
    std::vector<int32_t> progress(blocks, 0);
    mlx_launch({blocks * 128}, {128}, [&] {
      if (farest) rs_hole_fill_around_mb::kernel<T, true>(in.data(), shape, out.data(), progress.data());
      else rs_hole_fill_around_mb::kernel<T, false>(in.data(), shape, out.data(), progress.data());
    });
    emu_compare_bits(out, want, farest ? "mode 1" : "mode 2", h, w);
  }
}

}  // namespace

int main() {
  std::mt19937 rng(3);
  const int sizes[][2] = {{1, 1}, {2, 2}, {3, 2}, {3, 5}, {31, 33}, {34, 32}, {40, 41}, {70, 97}, {9, 200}, {100, 45}};
  for (auto& s : sizes) {
    run<uint16_t, int32_t>(s[0], s[1], rng);
    run<float, float>(s[0], s[1], rng);
  }
  return emu_finish("kernels.emu.hole_filling");
}
