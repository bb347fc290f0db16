// SPDX-License-Identifier: Apache-2.0
// Must be rejected: RM_SYNCTHREADS is no token of the dialect (a typo, or a CUDA habit).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  RM_SYNCTHREADS;
  out[i] = x[i];
