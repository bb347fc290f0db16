// SPDX-License-Identifier: Apache-2.0
// The spatial filter's per-line recursions, as line_walk.cuh ops (the kernel header of
// spatial_filter_gpu.cpp, after line_walk.cuh). rm_fmul_rn/rm_fadd_rn keep NVRTC from fusing a*b+c
// into an FMA, which would break bit-exactness with librealsense.

RM_FUNC bool rs_valid(float v) { return rm_float_as_int(v) > 0; }
RM_FUNC float rs_blend(float cur, float other, float alpha, float keep) {
  return rm_fadd_rn(rm_fmul_rn(cur, alpha), rm_fmul_rn(other, keep));
}
RM_FUNC int rs_blend16(int cur, int other, float alpha, float keep) {
  return (int)rm_fadd_rn(rs_blend((float)cur, (float)other, alpha, keep), 0.5f);
}

// librealsense's float recursion (both directions): blend with the filtered neighbour when this
// and the previous raw sample are valid and differ by less than delta. The blend test reads raw
// samples only, so the serial chain is just multiply, add, select.
struct RsFloatLine {
  float alpha, keep, delta, state, prev;
  bool valid;
  RM_FUNC float mid(float in) {
    const bool v = rs_valid(in);
    const float d = rm_fsub_rn(prev, in);
    const bool blend = valid && v && d < delta && d > -delta;
    const float o = blend ? rs_blend(in, state, alpha, keep) : in;
    state = o;
    prev = in;
    valid = v;
    return o;
  }
  RM_FUNC float step(float in, int k, int) {
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
RM_FUNC void rs_chunk(RM_THREAD RsFloatLine& op, RM_THREAD float (&r)[32]) {
  bool blend[32];
  float scaled[32];
  float prev = op.prev;
  bool valid = op.valid;
#pragma unroll
  for (int jj = 0; jj < 32; ++jj) {
    const int j = REV ? 31 - jj : jj;
    const float in = r[j];
    const bool v = rs_valid(in);
    const float d = rm_fsub_rn(prev, in);
    blend[j] = valid && v && d < op.delta && d > -op.delta;
    scaled[j] = rm_fmul_rn(in, op.alpha);
    prev = in;
    valid = v;
  }
  op.prev = prev;
  op.valid = valid;
  float state = op.state;
#pragma unroll
  for (int jj = 0; jj < 32; ++jj) {
    const int j = REV ? 31 - jj : jj;
    state = blend[j] ? rm_fadd_rn(scaled[j], rm_fmul_rn(state, op.keep)) : r[j];
    r[j] = state;
  }
  op.state = state;
}

// Float hole filling, left->right: an empty pixel takes its (filled) left neighbour.
struct RsFillLeft {
  unsigned int radius, fill;
  float last;
  RM_FUNC float mid(float v) {
    if (rm_float_as_int(v) == 0) {
      if (++fill < radius) v = last;
    } else {
      fill = 0;
    }
    last = v;
    return v;
  }
  RM_FUNC float step(float v, int k, int) {
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
  RM_FUNC float mid(float v) {
    if (rm_float_as_int(v) == 0) {
      if (++fill < radius) v = last;
    } else {
      fill = 0;
    }
    last = v;
    return v;
  }
  RM_FUNC float step(float v, int k, int n) {
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
  RM_FUNC int mid(int val1) {
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
  RM_FUNC int step(int val1, int k, int n) {
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
  RM_FUNC int mid(int cur) {
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
  RM_FUNC int step(int cur, int k, int) {
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
  RM_FUNC int mid(int cur) {
    if (abs(prev - cur) < delta) cur = rs_blend16(cur, prev, alpha, keep);
    prev = cur;
    return cur;
  }
  RM_FUNC int step(int cur, int k, int) {
    if (k > 0) return mid(cur);
    prev = cur;
    return cur;
  }
};

// Z16 columns, bottom->top: both valid.
struct RsZ16ColBwd {
  float alpha, keep;
  int delta, below;
  RM_FUNC int mid(int cur) {
    if (cur >= 1 && below >= 1 && abs(cur - below) < delta) cur = rs_blend16(cur, below, alpha, keep);
    below = cur;
    return cur;
  }
  RM_FUNC int step(int cur, int k, int) {
    if (k > 0) return mid(cur);
    below = cur;
    return cur;
  }
};
