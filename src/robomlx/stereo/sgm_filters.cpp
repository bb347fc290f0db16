// SPDX-License-Identifier: Apache-2.0
// Post-filters on a disparity map: median (portable ops) and speckle removal (host flood fill).
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <mlx/compile.h>
#include <mlx/ops.h>

#include "robomlx/core/fused_internal.h"
#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

namespace {
// Batcher's odd-even merge sort network on v[lo, lo + n) (n a power of two), as min/max pairs.
void odd_even_merge(std::vector<mx::array>& v, int lo, int n, int r, mx::Stream s) {
  const int step = r * 2;
  auto exchange = [&](int i, int j) {
    auto a = mx::minimum(v[i], v[j], s), b = mx::maximum(v[i], v[j], s);
    v[i] = a, v[j] = b;
  };
  if (step < n) {
    odd_even_merge(v, lo, n, step, s);
    odd_even_merge(v, lo + r, n, step, s);
    for (int i = lo + r; i + r < lo + n; i += step) exchange(i, i + r);
  } else {
    exchange(lo, lo + r);
  }
}
void odd_even_sort(std::vector<mx::array>& v, int lo, int n, mx::Stream s) {
  if (n <= 1) return;
  odd_even_sort(v, lo, n / 2, s);
  odd_even_sort(v, lo + n / 2, n / 2, s);
  odd_even_merge(v, lo, n, 1, s);
}
// The middle of the n taps in[0..n), by the network padded to a power of two with +inf.
std::vector<mx::array> median_network(const std::vector<mx::array>& in, mx::StreamOrDevice sd) {
  const mx::Stream s = mx::to_stream(sd);
  const int n = static_cast<int>(in.size());
  std::vector<mx::array> v = in;
  int m = 1;
  while (m < n) m *= 2;
  const auto inf = mx::array(std::numeric_limits<float>::infinity(), in[0].dtype());
  while (static_cast<int>(v.size()) < m) v.push_back(mx::broadcast_to(inf, in[0].shape(), s));
  odd_even_sort(v, 0, m, s);
  return {v[n / 2]};
}
}  // namespace

// The window's taps are size^2 shifted [H, W] views of the edge-padded map, sorted by a
// compare-exchange network (padded to a power of two with +inf): elementwise ops only, compiled
// into a few fused kernels (only the exchanges the middle tap depends on are kept). A sort over a
// [H W, size^2] gather instead launches one CUDA block row per pixel, over the grid's 65,535
// limit from 672x376 up (MLX's CUDA backend failed there).
mx::array median_filter(const mx::array& disparity, int size, mx::Stream s) {
  if (size <= 1) return disparity;
  const int h = disparity.shape(0), w = disparity.shape(1), r = size / 2;
  auto padded = mx::pad(disparity, std::vector<std::pair<int, int>>{{r, r}, {r, r}}, mx::array(0.f), "edge", s);
  std::vector<mx::array> taps;
  for (int dy = 0; dy < size; ++dy)
    for (int dx = 0; dx < size; ++dx) taps.push_back(mx::slice(padded, {dy, dx}, {dy + h, dx + w}, s));
  return robomlx::detail::run_fused<median_network>(taps, s)[0];
}

namespace {
// Blobs of 4-connected valid pixels whose neighbours differ by <= range; blobs of at most
// `window` pixels are set to -1 (same rule as cv::filterSpeckles).
void speckle_host(const float* in, float* out, int h, int w, int window, float range) {
  const std::size_t n = std::size_t(h) * w;
  std::copy(in, in + n, out);
  std::vector<std::int32_t> label(n, 0);
  std::vector<std::int32_t> stack, blob;
  std::int32_t next = 0;
  for (std::size_t start = 0; start < n; ++start) {
    if (label[start] != 0 || !(out[start] >= 0.f)) continue;
    label[start] = ++next;
    blob.clear();
    stack.assign(1, std::int32_t(start));
    while (!stack.empty()) {
      const std::int32_t p = stack.back();
      stack.pop_back();
      blob.push_back(p);
      const int y = p / w, x = p % w;
      const int nb[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
      for (const auto& q : nb) {
        if (q[0] < 0 || q[0] >= h || q[1] < 0 || q[1] >= w) continue;
        const std::int32_t qi = q[0] * w + q[1];
        if (label[qi] != 0 || !(out[qi] >= 0.f) || std::abs(out[qi] - out[p]) > range) continue;
        label[qi] = next;
        stack.push_back(qi);
      }
    }
    if (int(blob.size()) <= window)
      for (auto p : blob) out[p] = -1.f;
  }
}
}  // namespace

mx::array speckle_filter(const mx::array& disparity, int window, float range, mx::Stream s) {
  const mx::Stream cpu = s.device == mx::Device::cpu ? s : mx::default_stream(mx::Device::cpu);
  return host_image_op("stereo.speckle", {disparity}, 1,
                       [window, range](const std::vector<const float*>& in, const std::vector<float*>& out, int h,
                                       int w) { speckle_host(in[0], out[0], h, w, window, range); },
                       cpu)[0];
}

}  // namespace robomlx::stereo::detail
