// SPDX-License-Identifier: Apache-2.0
// Must be rejected: its header uses RM_THREAD_IDX.

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  out[i] = x[i] + (float)neg_lane();
