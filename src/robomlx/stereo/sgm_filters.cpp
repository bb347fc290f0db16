// SPDX-License-Identifier: Apache-2.0
// Post-filters on a disparity map: median (portable ops) and speckle removal (host flood fill).
#include <cmath>
#include <cstdint>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/stereo/sgm_internal.h"

namespace robomlx::stereo::detail {

mx::array median_filter(const mx::array& disparity, int size, mx::Stream s) {
  if (size <= 1) return disparity;
  const int h = disparity.shape(0), w = disparity.shape(1), r = size / 2;
  auto padded = mx::pad(disparity, std::vector<std::pair<int, int>>{{r, r}, {r, r}}, mx::array(0.f), "edge", s);
  // The size x size window of every pixel as one strided view [H, W, size, size].
  const std::int64_t wp = w + 2 * r;
  auto taps = mx::as_strided(padded, {h, w, size, size}, {wp, 1, wp, 1}, 0, s);
  auto sorted = mx::sort(mx::reshape(taps, {h, w, size * size}, s), 2, s);
  const int mid = size * size / 2;
  return mx::reshape(mx::slice(sorted, {0, 0, mid}, {h, w, mid + 1}, s), {h, w}, s);
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
