// SPDX-License-Identifier: Apache-2.0
// Hole filling mode 0 as a line_walk.cuh op: an empty pixel takes its (filled) left neighbour.

template <typename V> struct RsFromLeft {
  V last;
  RM_FUNC V mid(V v) {
    if (rs_empty(v)) v = last;
    last = v;
    return v;
  }
  RM_FUNC V step(V v, int k, int) {
    if (k > 0) return mid(v);
    last = v;
    return v;
  }
};
