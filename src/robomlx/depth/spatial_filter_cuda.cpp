// SPDX-License-Identifier: Apache-2.0
// CUDA twin of the spatial filter (fast::cuda_kernel). The recursions are serial along a line; the
// line walker of cuda_line_walk.h gives each thread one row or column. One launch does a whole
// direction (forward then backward pass), so an iteration is two launches.
// Options are template constants (alpha and 1 - alpha as float bit patterns, both >= 0): no per-frame
// parameter array, and a new kernel is compiled only when an option changes.
// __fmul_rn/__fadd_rn keep NVRTC from fusing a*b+c into an FMA, which would break bit-exactness.
#include <stdexcept>
#include <string>

#include <mlx/fast.h>
#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/cuda_line_walk.h"
#include "robomlx/depth/cuda_params_internal.h"
#include "robomlx/depth/spatial_filter_twins.h"

namespace robomlx::depth::detail {

namespace {

// The per-line recursions, as cuda_line_walk.h ops.
const char* kHeader = R"(
__device__ inline bool rs_valid(float v) { return __float_as_int(v) > 0; }
__device__ inline float rs_blend(float cur, float other, float alpha, float keep) {
  return __fadd_rn(__fmul_rn(cur, alpha), __fmul_rn(other, keep));
}
__device__ inline int rs_blend16(int cur, int other, float alpha, float keep) {
  return (int)__fadd_rn(rs_blend((float)cur, (float)other, alpha, keep), 0.5f);
}

// librealsense's float recursion (both directions): blend with the filtered neighbour when this
// and the previous raw sample are valid and differ by less than delta. The blend test reads raw
// samples only, so the serial chain is just multiply, add, select.
struct RsFloatLine {
  float alpha, keep, delta, state, prev;
  bool valid;
  __device__ float mid(float in) {
    const bool v = rs_valid(in);
    const float d = __fsub_rn(prev, in);
    const bool blend = valid && v && d < delta && d > -delta;
    const float o = blend ? rs_blend(in, state, alpha, keep) : in;
    state = o;
    prev = in;
    valid = v;
    return o;
  }
  __device__ float step(float in, int k, int) {
    if (k > 0) return mid(in);
    state = prev = in;
    valid = rs_valid(in);
    return in;
  }
};

// RsFloatLine's middle chunks: the blend tests and in * alpha for all 32 steps first (independent,
// so they issue back to back), then the chain alone: multiply, add, select per step. Same
// operations in the same order as mid(), so the same bits.
template <bool REV>
__device__ inline void rs_chunk(RsFloatLine& op, float (&r)[32]) {
  bool blend[32];
  float scaled[32];
  float prev = op.prev;
  bool valid = op.valid;
#pragma unroll
  for (int jj = 0; jj < 32; ++jj) {
    const int j = REV ? 31 - jj : jj;
    const float in = r[j];
    const bool v = rs_valid(in);
    const float d = __fsub_rn(prev, in);
    blend[j] = valid && v && d < op.delta && d > -op.delta;
    scaled[j] = __fmul_rn(in, op.alpha);
    prev = in;
    valid = v;
  }
  op.prev = prev;
  op.valid = valid;
  float state = op.state;
#pragma unroll
  for (int jj = 0; jj < 32; ++jj) {
    const int j = REV ? 31 - jj : jj;
    state = blend[j] ? __fadd_rn(scaled[j], __fmul_rn(state, op.keep)) : r[j];
    r[j] = state;
  }
  op.state = state;
}

// Float hole filling, left->right: an empty pixel takes its (filled) left neighbour.
struct RsFillLeft {
  unsigned int radius, fill;
  float last;
  __device__ float mid(float v) {
    if (__float_as_int(v) == 0) {
      if (++fill < radius) v = last;
    } else {
      fill = 0;
    }
    last = v;
    return v;
  }
  __device__ float step(float v, int k, int) {
    if (k > 0) return mid(v);
    fill = 0;
    last = v;
    return v;
  }
};

// Float hole filling, right->left: x = w - 1 takes the next row's first pixel; x = 0 is not visited.
struct RsFillRight {
  unsigned int radius, fill;
  float last, next_first;
  __device__ float mid(float v) {
    if (__float_as_int(v) == 0) {
      if (++fill < radius) v = last;
    } else {
      fill = 0;
    }
    last = v;
    return v;
  }
  __device__ float step(float v, int k, int n) {
    if (k == n - 1) return v;
    if (k == 0) last = next_first;
    return mid(v);
  }
};

// Z16 rows, left->right (recursive_filter_horizontal): the last column is not visited.
struct RsZ16RowFwd {
  float alpha, keep;
  int delta;
  unsigned int radius, fill;
  int val0;
  __device__ int mid(int val1) {
    if (val0 >= 1) {
      if (val1 >= 1) {
        fill = 0;
        const int diff = abs(val1 - val0);
        if (diff >= 1 && diff <= delta) val1 = rs_blend16(val1, val0, alpha, keep);
      } else if (radius && ++fill < radius) {
        val1 = val0;
      }
    }
    val0 = val1;
    return val1;
  }
  __device__ int step(int val1, int k, int n) {
    if (k == 0) {
      val0 = val1;
      fill = 0;
      return val1;
    }
    if (k == n - 1) return val1;
    return mid(val1);
  }
};

// Z16 rows, right->left: a raw 1 counts as a hole.
struct RsZ16RowBwd {
  float alpha, keep;
  int delta;
  unsigned int radius, fill;
  int val1;
  __device__ int mid(int cur) {
    if (val1 >= 1) {
      if (cur > 1) {
        fill = 0;
        if (abs(val1 - cur) <= delta) cur = rs_blend16(cur, val1, alpha, keep);
      } else if (radius && ++fill < radius) {
        cur = val1;
      }
    }
    val1 = cur;
    return cur;
  }
  __device__ int step(int cur, int k, int) {
    if (k > 0) return mid(cur);
    val1 = cur;
    fill = 0;
    return cur;
  }
};

// Z16 columns, top->bottom: no validity test.
struct RsZ16ColFwd {
  float alpha, keep;
  int delta, prev;
  __device__ int mid(int cur) {
    if (abs(prev - cur) < delta) cur = rs_blend16(cur, prev, alpha, keep);
    prev = cur;
    return cur;
  }
  __device__ int step(int cur, int k, int) {
    if (k > 0) return mid(cur);
    prev = cur;
    return cur;
  }
};

// Z16 columns, bottom->top: both valid.
struct RsZ16ColBwd {
  float alpha, keep;
  int delta, below;
  __device__ int mid(int cur) {
    if (cur >= 1 && below >= 1 && abs(cur - below) < delta) cur = rs_blend16(cur, below, alpha, keep);
    below = cur;
    return cur;
  }
  __device__ int step(int cur, int k, int) {
    if (k > 0) return mid(cur);
    below = cur;
    return cur;
  }
};
)";

// Template constants: ALPHA_BITS, KEEP_BITS (float bits of alpha, 1 - alpha), DELTA, RADIUS.
// Launch: one thread per line (rows: h threads, columns: w), 32-thread blocks (cuda_line_walk.h).
const char* kFloatRows = R"(
  const int h = inp_shape[0], w = inp_shape[1];
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= h) return;
  const bool vin = rs_vec_ok(inp, w), vout = rs_vec_ok(out, w);
  RsFloatLine op{__int_as_float(ALPHA_BITS), __int_as_float(KEEP_BITS), (float)DELTA};
  rs_line_pass<true, false, float>(inp, out, h, w, y, vin, vout, op);
  rs_line_pass<true, true, float>(out, out, h, w, y, vout, vout, op);
)";

const char* kFloatColumns = R"(
  const int h = inp_shape[0], w = inp_shape[1];
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  if (x >= w) return;
  RsFloatLine op{__int_as_float(ALPHA_BITS), __int_as_float(KEEP_BITS), (float)DELTA};
  rs_line_pass<false, false, float>(inp, out, h, w, x, false, false, op);
  rs_line_pass<false, true, float>(out, out, h, w, x, false, false, op);
)";

const char* kFloatFill = R"(
  const int h = inp_shape[0], w = inp_shape[1];
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= h) return;
  const bool vin = rs_vec_ok(inp, w), vout = rs_vec_ok(out, w);
  // Filling never changes a row's first pixel, so the next row's is read from the input.
  const float next_first = y + 1 < h ? inp[(long long)(y + 1) * w] : 0.0f;
  RsFillLeft left{(unsigned int)RADIUS};
  rs_line_pass<true, false, float>(inp, out, h, w, y, vin, vout, left);
  RsFillRight right{(unsigned int)RADIUS, 0u, 0.0f, next_first};
  rs_line_pass<true, true, float>(out, out, h, w, y, vout, vout, right);
)";

const char* kZ16Rows = R"(
  const int h = inp_shape[0], w = inp_shape[1];
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= h) return;
  const bool vin = rs_vec_ok(inp, w), vout = rs_vec_ok(out, w);
  const float alpha = __int_as_float(ALPHA_BITS), keep = __int_as_float(KEEP_BITS);
  RsZ16RowFwd fwd{alpha, keep, DELTA, (unsigned int)RADIUS};
  rs_line_pass<true, false, int>(inp, out, h, w, y, vin, vout, fwd);
  RsZ16RowBwd bwd{alpha, keep, DELTA, (unsigned int)RADIUS};
  rs_line_pass<true, true, int>(out, out, h, w, y, vout, vout, bwd);
)";

const char* kZ16Columns = R"(
  const int h = inp_shape[0], w = inp_shape[1];
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  if (x >= w) return;
  const float alpha = __int_as_float(ALPHA_BITS), keep = __int_as_float(KEEP_BITS);
  RsZ16ColFwd fwd{alpha, keep, DELTA};
  rs_line_pass<false, false, int>(inp, out, h, w, x, false, false, fwd);
  RsZ16ColBwd bwd{alpha, keep, DELTA};
  rs_line_pass<false, true, int>(out, out, h, w, x, false, false, bwd);
)";

mx::fast::CustomKernelFunction make(const char* name, const char* source) {
  return mx::fast::cuda_kernel(name, {"inp"}, {"out"}, source, std::string(kCudaLineWalk) + kHeader, true);
}

}  // namespace

mx::array spatial_filter_cuda(const mx::array& image, const SpatialFilterOptions& o, mx::Stream s) {
  if (!is_cuda_device(s.device)) throw std::runtime_error("[depth.spatial/cuda] needs a CUDA GPU stream");
  static const auto float_rows = make("rs_spatial_f32_rows", kFloatRows);
  static const auto float_cols = make("rs_spatial_f32_columns", kFloatColumns);
  static const auto float_fill = make("rs_spatial_f32_fill", kFloatFill);
  static const auto z16_rows = make("rs_spatial_z16_rows", kZ16Rows);
  static const auto z16_cols = make("rs_spatial_z16_columns", kZ16Columns);
  const int h = image.shape(0), w = image.shape(1);
  const int radius = o.holes_fill_radius();
  // alpha in [0.25, 1], so both bit patterns are non-negative (they become part of the kernel name).
  const std::vector<std::pair<std::string, mx::fast::TemplateArg>> consts = {
      {"ALPHA_BITS", float_bits(o.alpha)}, {"KEEP_BITS", float_bits(1.0f - o.alpha)}, {"DELTA", o.delta},
      {"RADIUS", radius}};
  const bool is_float = image.dtype() == mx::float32;
  auto launch = [&](const mx::fast::CustomKernelFunction& kernel, const mx::array& x, int lines) {
    const int threads = (lines + 31) / 32 * 32;
    return kernel({x}, {x.shape()}, {x.dtype()}, {threads, 1, 1}, {32, 1, 1}, consts, std::nullopt, false, s)[0];
  };
  auto x = image;
  for (int it = 0; it < o.iterations; ++it) {
    x = launch(is_float ? float_rows : z16_rows, x, h);
    x = launch(is_float ? float_cols : z16_cols, x, w);
  }
  if (is_float && radius > 0) x = launch(float_fill, x, h);
  return x;
}

}  // namespace robomlx::depth::detail
