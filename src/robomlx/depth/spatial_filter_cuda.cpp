// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the spatial filter (fast::cuda_kernel). Each iteration launches a row kernel (one
// thread per row: left->right and right->left) and a column kernel (one thread per column, so a
// warp reads consecutive addresses). __fmul_rn/__fadd_rn keep NVRTC from fusing a*b+c into an FMA,
// which would break bit-exactness with librealsense's scalar float code.
#include <stdexcept>
#include <string>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/spatial_filter_twins.h"

namespace robomlx::depth::detail {

namespace {

// params: alpha, 1 - alpha, delta, radius (float32). inp/out: [H, W].
const char* kHeader = R"(
__device__ inline bool rs_valid(float v) { return __float_as_int(v) > 0; }
__device__ inline float rs_blend(float cur, float other, float alpha, float keep) {
  return __fadd_rn(__fmul_rn(cur, alpha), __fmul_rn(other, keep));
}
__device__ inline void rs_float_line(float* p, int n, long long stride, float alpha, float keep, float delta) {
  float state = p[0], prev = p[0];
  bool valid = rs_valid(prev);
  for (int k = 1; k < n; ++k) {
    float in = p[k * stride];
    if (rs_valid(in)) {
      float d = __fsub_rn(prev, in);
      if (valid && d < delta && d > -delta) {
        state = rs_blend(in, state, alpha, keep);
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
__device__ inline unsigned short rs_blend16(int cur, int other, float alpha, float keep) {
  return (unsigned short)__fadd_rn(rs_blend((float)cur, (float)other, alpha, keep), 0.5f);
}
)";

const char* kFloatRows = R"(
  int y = blockIdx.x * blockDim.x + threadIdx.x;
  int h = inp_shape[0], w = inp_shape[1];
  if (y >= h) return;
  float* p = out + (long long)y * w;
  const float* src = inp + (long long)y * w;
  for (int x = 0; x < w; ++x) p[x] = src[x];
  rs_float_line(p, w, 1, params[0], params[1], params[2]);
  rs_float_line(p + w - 1, w, -1, params[0], params[1], params[2]);
)";

const char* kFloatColumns = R"(
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int h = inp_shape[0], w = inp_shape[1];
  if (x >= w) return;
  for (int y = 0; y < h; ++y) out[(long long)y * w + x] = inp[(long long)y * w + x];
  rs_float_line(out + x, h, w, params[0], params[1], params[2]);
  rs_float_line(out + (long long)(h - 1) * w + x, h, -(long long)w, params[0], params[1], params[2]);
)";

const char* kFloatFill = R"(
  int y = blockIdx.x * blockDim.x + threadIdx.x;
  int h = inp_shape[0], w = inp_shape[1];
  if (y >= h) return;
  unsigned int radius = (unsigned int)params[3];
  float* p = out + (long long)y * w;
  const float* src = inp + (long long)y * w;
  for (int x = 0; x < w; ++x) p[x] = src[x];
  float next_first = y + 1 < h ? src[w] : 0.0f;
  unsigned int fill = 0;
  for (int x = 1; x < w; ++x) {
    if (__float_as_int(p[x]) == 0) {
      if (++fill < radius) p[x] = p[x - 1];
    } else {
      fill = 0;
    }
  }
  fill = 0;
  for (int x = w - 1; x >= 1; --x) {
    if (__float_as_int(p[x]) == 0) {
      if (++fill < radius) p[x] = x + 1 < w ? p[x + 1] : next_first;
    } else {
      fill = 0;
    }
  }
)";

const char* kZ16Rows = R"(
  int y = blockIdx.x * blockDim.x + threadIdx.x;
  int h = inp_shape[0], w = inp_shape[1];
  if (y >= h) return;
  float alpha = params[0], keep = params[1];
  int delta = (int)params[2];
  unsigned int radius = (unsigned int)params[3];
  unsigned short* p = out + (long long)y * w;
  const unsigned short* src = inp + (long long)y * w;
  for (int x = 0; x < w; ++x) p[x] = src[x];
  int val0 = p[0];
  unsigned int fill = 0;
  for (int u = 1; u < w - 1; ++u) {
    int val1 = p[u];
    if (val0 >= 1) {
      if (val1 >= 1) {
        fill = 0;
        int diff = abs(val1 - val0);
        if (diff >= 1 && diff <= delta) p[u] = val1 = rs_blend16(val1, val0, alpha, keep);
      } else if (radius && ++fill < radius) {
        p[u] = val1 = val0;
      }
    }
    val0 = val1;
  }
  int val1 = p[w - 1];
  fill = 0;
  for (int u = w - 2; u >= 0; --u) {
    int cur = p[u];
    if (val1 >= 1) {
      if (cur > 1) {
        fill = 0;
        if (abs(val1 - cur) <= delta) p[u] = cur = rs_blend16(cur, val1, alpha, keep);
      } else if (radius && ++fill < radius) {
        p[u] = cur = val1;
      }
    }
    val1 = cur;
  }
)";

const char* kZ16Columns = R"(
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int h = inp_shape[0], w = inp_shape[1];
  if (x >= w) return;
  float alpha = params[0], keep = params[1];
  int delta = (int)params[2];
  int prev = inp[x];
  out[x] = (unsigned short)prev;
  for (int y = 1; y < h; ++y) {
    int cur = inp[(long long)y * w + x];
    if (abs(prev - cur) < delta) cur = rs_blend16(cur, prev, alpha, keep);
    out[(long long)y * w + x] = (unsigned short)cur;
    prev = cur;
  }
  int below = prev;
  for (int y = h - 2; y >= 0; --y) {
    int cur = out[(long long)y * w + x];
    if (cur >= 1 && below >= 1 && abs(cur - below) < delta) {
      cur = rs_blend16(cur, below, alpha, keep);
      out[(long long)y * w + x] = (unsigned short)cur;
    }
    below = cur;
  }
)";

mx::fast::CustomKernelFunction make(const char* name, const char* source) {
  return mx::fast::cuda_kernel(name, {"inp", "params"}, {"out"}, source, kHeader);
}

mx::array launch(const mx::fast::CustomKernelFunction& kernel, const mx::array& x, const mx::array& params,
                 int threads, mx::Stream s) {
  return kernel({x, params}, {x.shape()}, {x.dtype()}, {threads, 1, 1}, {64, 1, 1}, {}, std::nullopt, false, s)[0];
}

}  // namespace

mx::array spatial_filter_cuda(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.spatial/cuda] needs a CUDA GPU stream");
  static const auto float_rows = make("rs_spatial_f32_rows", kFloatRows);
  static const auto float_cols = make("rs_spatial_f32_columns", kFloatColumns);
  static const auto float_fill = make("rs_spatial_f32_fill", kFloatFill);
  static const auto z16_rows = make("rs_spatial_z16_rows", kZ16Rows);
  static const auto z16_cols = make("rs_spatial_z16_columns", kZ16Columns);
  int h = image.shape(0), w = image.shape(1);
  float radius = static_cast<float>(o.holes_fill_radius());
  auto params = mx::array({o.alpha, 1.0f - o.alpha, static_cast<float>(o.delta), radius}, {4}, mx::float32);
  bool is_float = image.dtype() == mx::float32;
  auto x = image;
  for (int it = 0; it < o.iterations; ++it) {
    x = launch(is_float ? float_rows : z16_rows, x, params, h, s);
    x = launch(is_float ? float_cols : z16_cols, x, params, w, s);
  }
  if (is_float && radius > 0) x = launch(float_fill, x, params, h, s);
  return x;
}

}  // namespace robomlx::depth::detail
