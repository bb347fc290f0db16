// SPDX-License-Identifier: Apache-2.0
// Must be rejected: min of an unsigned thread index and an int (Metal's min takes one type).

  const int i = min(RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x, 7);
  out[i] = x[i];
