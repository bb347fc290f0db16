// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.temporal_filter: temporal_filter_gpu.cpp's kernel on the host emulator over a
// sequence of frames (the state carried from frame to frame, the phase cycling) against
// librealsense's per-pixel loop written plainly here, bit for bit, for Z16 and float frames.
#include <random>

#include "depth_kernels.h"

namespace {

template <typename T>
void run(int h, int w, float alpha, float delta, std::mt19937& rng) {
  const int n = h * w;
  std::uniform_int_distribution<int> bit(0, 1), hole(0, 3), base(500, 3000), jitter(-40, 40);
  std::vector<uint8_t> table(256);
  for (auto& t : table) t = uint8_t(bit(rng));
  const float keep = 1.0f - alpha;
  std::vector<int> scene(n);
  for (auto& s : scene) s = base(rng);
  // Kernel state and reference state, both starting empty.
  std::vector<T> last(n, T(0)), ref_last(n, T(0));
  std::vector<uint8_t> hist(n, 0), ref_hist(n, 0);
  for (int frame = 0; frame < 12; ++frame) {
    const int phase = frame % 8;
    std::vector<T> in(n);
    for (int i = 0; i < n; ++i) {
      const int v = hole(rng) == 0 ? 0 : scene[i] + jitter(rng);
      in[i] = std::is_same_v<T, float> ? T(v / 3.7f) : T(v);
    }
    // Reference.
    const uint8_t mask = uint8_t(1u << phase);
    std::vector<T> want(n);
    for (int i = 0; i < n; ++i) {
      T c = in[i], l = ref_last[i];
      uint8_t hh = ref_hist[i];
      T o = c;
      if (c != T(0)) {
        if (l != T(0) && std::fabs(float(c) - float(l)) < delta) {
          o = l = T(alpha * float(c) + keep * float(l));
          hh |= mask;
        } else {
          l = c;
          hh = mask;
        }
      } else {
        if (l != T(0) && table[hh]) o = l;
        hh &= uint8_t(~mask);
      }
      want[i] = o;
      ref_last[i] = l;
      ref_hist[i] = hh;
    }
    // Kernel: params alpha, 1 - alpha, delta, phase; one thread per pixel, 256-thread blocks.
    const float params[4] = {alpha, keep, delta, float(phase)};
    std::vector<T> out(n), new_last(n);
    std::vector<uint8_t> new_hist(n);
    mlx_launch_serial({unsigned(n)}, {256}, [&] {
      rs_temporal::kernel<T>(in.data(), shape_of({h, w}), last.data(), hist.data(), table.data(), params, out.data(),
                             new_last.data(), new_hist.data());
    });
    last = new_last;
    hist = new_hist;
    for (int i = 0; i < n; ++i)
      if (std::memcmp(&out[i], &want[i], sizeof(T)) || std::memcmp(&last[i], &ref_last[i], sizeof(T)) ||
          hist[i] != ref_hist[i]) {
        emu_fail("%s %dx%d frame %d pixel %d: out %g last %g history %d, want %g %g %d", std::is_same_v<T, float> ? "float" : "z16",
                 h, w, frame, i, double(out[i]), double(last[i]), hist[i], double(want[i]), double(ref_last[i]), ref_hist[i]);
        break;
      }
  }
}

}  // namespace

int main() {
  std::mt19937 rng(11);
  for (auto [h, w] : {std::pair{1, 1}, {7, 9}, {16, 33}, {30, 45}}) {
    run<uint16_t>(h, w, 0.4f, 20.0f, rng);
    run<uint16_t>(h, w, 1.0f, 100.0f, rng);
    run<float>(h, w, 0.25f, 7.5f, rng);
  }
  return emu_finish("kernels.emu.temporal_filter");
}
