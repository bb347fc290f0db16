// SPDX-License-Identifier: Apache-2.0
// Device helpers shared by the segment-reduction kernels (their kernel header,
// segment_reduce_gpu.cpp and segment_reduce_tile_gpu.cpp): each op's identity, combine and final
// value. OP: 0 sum, 1 mean, 2 max, 3 min (ReduceOp's order); mean combines like sum and divides at
// the end.

template <int OP> RM_FUNC float seg_init() {
  const float inf_ = rm_int_as_float(0x7f800000);
  return OP == 2 ? -inf_ : (OP == 3 ? inf_ : 0.f);
}
template <int OP> RM_FUNC float seg_combine(float u, float v) {
  if (OP == 2) return fmax(u, v);
  if (OP == 3) return fmin(u, v);
  return u + v;
}
// A segment's output from its combined values: mean divides by the length; empty segments are 0.
template <int OP> RM_FUNC float seg_result(float acc, int len) {
  if (OP == 1 && len > 0) acc = acc / (float)len;
  return len > 0 ? acc : 0.f;
}
// The four values of f combined as a tree.
template <int OP> RM_FUNC float seg_fold(float4 f) {
  return seg_combine<OP>(seg_combine<OP>(f.x, f.y), seg_combine<OP>(f.z, f.w));
}
// Row r of the values: idx[r] when INDEXED, else r.
template <bool INDEXED, typename P> RM_FUNC int64_t seg_row(P idx, int r) {
  return INDEXED ? (int64_t)idx[r] : (int64_t)r;
}
// Where segment k starts (ends: inclusive cumulative sum of the lengths).
template <typename P> RM_FUNC int seg_start(P ends, int k) { return k > 0 ? ends[k - 1] : 0; }
// Bound j of a tile block's owned segments k_first + j (their starts; j = n: the last one's end):
// from shared memory when they fit there (small), else from ends.
template <typename P> RM_FUNC int seg_bound(bool small, RM_GROUP const int* s_e, P ends, int k_first, int j) {
  return small ? s_e[j] : seg_start(ends, k_first + j);
}
