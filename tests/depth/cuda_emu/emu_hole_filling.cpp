// SPDX-License-Identifier: Apache-2.0
#include "emu_hole_kernels.h"
// Hole filling: current CUDA kernels (modes 0, 1, 2; several block sizes and bands) vs the previous ones.
#include <random>
int fails = 0;
template <typename T> std::vector<T> make_img(int h, int w, std::mt19937& rng) {
  std::vector<T> v(size_t(h) * w);
  std::uniform_int_distribution<int> val(1, 5000), hole(0, 3);
  for (auto& x : v) x = hole(rng) == 0 ? T(0) : T(val(rng) / (std::is_same_v<T, float> ? 3 : 1));
  // Long hole chains too: a band of empty columns on the left (as RealSense frames have) and an
  // empty rectangle spanning bands.
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (x < w / 5 || (y > h / 4 && y < 3 * h / 4 && x > w / 3 && x < w / 2)) v[size_t(y) * w + x] = T(0);
  return v;
}
template <typename T> void cmp(const std::vector<T>& a, const std::vector<T>& b, const char* what, int h, int w) {
  for (size_t i = 0; i < a.size(); ++i) if (std::memcmp(&a[i], &b[i], sizeof(T))) {
    std::printf("MISMATCH %s %dx%d at (%zu,%zu): %g vs %g\n", what, h, w, i / w, i % w, double(a[i]), double(b[i])); ++fails; return; }
}
template <typename T, typename V> void run(int h, int w, int nt, std::mt19937& rng) {
  auto in = make_img<T>(h, w, rng);
  Shape sh{{h, w}};
  std::vector<T> a(in.size(), T(77)), b(in.size(), T(99));
  launch((h + 63) / 64, 64, [&] { old_k::left<T>(in.data(), sh, a.data()); });
  launch((h + 31) / 32, 32, [&] { new_k::left<V, T>(in.data(), sh, b.data()); });
  cmp(a, b, "left", h, w);
  if (h < 3) return;
  for (bool far : {true, false}) {
    std::fill(a.begin(), a.end(), T(77)); std::fill(b.begin(), b.end(), T(99));
    int ot = std::clamp(h - 2, 32, 1024); ot = (ot + 31) / 32 * 32;
    if (far) launch(1, ot, [&] { old_k::around<T, true>(in.data(), sh, a.data()); });
    else launch(1, ot, [&] { old_k::around<T, false>(in.data(), sh, a.data()); });
    // Multi-block pipeline: one 128-thread block per 32 rows, progress flags zero-initialised.
    (void)nt;
    const int blocks = (h - 2 + 31) / 32;
    std::vector<int32_t> progress(blocks, 0);
    if (far) launch(blocks, 128, [&] { new_k::around<T, true>(in.data(), sh, b.data(), progress.data()); });
    else launch(blocks, 128, [&] { new_k::around<T, false>(in.data(), sh, b.data(), progress.data()); });
    cmp(a, b, far ? "around-far" : "around-near", h, w);
  }
}
int main() {
  std::mt19937 rng(3);
  int sizes[][3] = {{2, 2, 32}, {3, 2, 32}, {3, 5, 32}, {31, 33, 32}, {34, 32, 32}, {40, 41, 64}, {70, 97, 32}, {100, 45, 64}, {45, 130, 64}, {9, 200, 32}, {300, 70, 128}, {600, 50, 256}, {130, 200, 96}, {530, 40, 512}};
  for (auto& s : sizes) { run<uint16_t, int>(s[0], s[1], s[2], rng); run<float, float>(s[0], s[1], s[2], rng); }
  std::printf("%s (%d mismatches)\n", fails ? "FAIL" : "ALL OK", fails);
  return fails != 0;
}
