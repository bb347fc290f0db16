// SPDX-License-Identifier: Apache-2.0
#include "emu_spatial_kernels.h"
#include <random>
// Spatial filter: current CUDA kernels vs the previous ones (OLD_REV), on the emulator, bit for bit.
template <typename T> std::vector<T> make_img(int h, int w, std::mt19937& rng, bool is_float) {
  std::vector<T> v(size_t(h) * w);
  std::uniform_int_distribution<int> base(100, 3000), noise(-30, 30), hole(0, 9);
  int b = base(rng);
  for (int y = 0; y < h; ++y) for (int x = 0; x < w; ++x) {
    if (x % 37 == 0) b = base(rng);
    int val = hole(rng) == 0 ? 0 : (hole(rng) == 1 ? 1 : std::max(0, b + noise(rng)));
    if constexpr (std::is_same_v<T, float>) v[size_t(y) * w + x] = is_float ? val / 7.3f : val;
    else v[size_t(y) * w + x] = T(val);
  }
  return v;
}
int fails = 0;
template <typename T> void cmp(const std::vector<T>& a, const std::vector<T>& b, const char* what, int h, int w) {
  for (size_t i = 0; i < a.size(); ++i) if (std::memcmp(&a[i], &b[i], sizeof(T))) {
    std::printf("MISMATCH %s %dx%d at (%zu,%zu): %g vs %g\n", what, h, w, i / w, i % w, double(a[i]), double(b[i])); ++fails; return; }
}
template <int AB, int KB, int D, int R> void run(float alpha, int h, int w, std::mt19937& rng) {
  float params[4] = {alpha, 1.0f - alpha, float(D), float(R)};
  Shape sh{{h, w}};
  int gr = (h + 31) / 32, gc = (w + 31) / 32;
  {  // float
    auto in = make_img<float>(h, w, rng, true);
    std::vector<float> a(in.size()), b(in.size()), c(in.size()), d(in.size());
    launch((h + 63) / 64, 64, [&] { old_k::frows(in.data(), sh, params, a.data()); });
    launch(gr, 32, [&] { new_k::frows<AB, KB, D, R>(in.data(), sh, b.data()); });
    cmp(a, b, "frows", h, w);
    launch((w + 63) / 64, 64, [&] { old_k::fcols(a.data(), sh, params, c.data()); });
    launch(gc, 32, [&] { new_k::fcols<AB, KB, D, R>(a.data(), sh, d.data()); });
    cmp(c, d, "fcols", h, w);
    // fill on an image with holes
    launch((h + 63) / 64, 64, [&] { old_k::ffill(in.data(), sh, params, a.data()); });
    launch(gr, 32, [&] { new_k::ffill<AB, KB, D, R>(in.data(), sh, b.data()); });
    cmp(a, b, "ffill", h, w);
  }
  {
    auto in = make_img<uint16_t>(h, w, rng, false);
    std::vector<uint16_t> a(in.size()), b(in.size()), c(in.size()), d(in.size());
    launch((h + 63) / 64, 64, [&] { old_k::zrows(in.data(), sh, params, a.data()); });
    launch(gr, 32, [&] { new_k::zrows<AB, KB, D, R>(in.data(), sh, b.data()); });
    cmp(a, b, "zrows", h, w);
    launch((w + 63) / 64, 64, [&] { old_k::zcols(a.data(), sh, params, c.data()); });
    launch(gc, 32, [&] { new_k::zcols<AB, KB, D, R>(a.data(), sh, d.data()); });
    cmp(c, d, "zcols", h, w);
  }
}
int main() {
  std::mt19937 rng(7);
  int sizes[][2] = {{2, 2}, {3, 5}, {31, 33}, {32, 32}, {33, 31}, {64, 65}, {70, 97}, {45, 130}, {33, 128}, {20, 200}};
  for (auto& s : sizes) {
    run<0x3f000000, 0x3f000000, 20, 4>(0.5f, s[0], s[1], rng);
    run<0x3f400000, 0x3e800000, 8, 255>(0.75f, s[0], s[1], rng);
    run<0x3e800000, 0x3f400000, 50, 0>(0.25f, s[0], s[1], rng);
    run<0x3f800000, 0x00000000, 1, 2>(1.0f, s[0], s[1], rng);
  }
  std::printf("%s (%d mismatches)\n", fails ? "FAIL" : "ALL OK", fails);
  return fails != 0;
}
