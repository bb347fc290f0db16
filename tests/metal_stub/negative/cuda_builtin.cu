// SPDX-License-Identifier: Apache-2.0
// Must be rejected: a CUDA intrinsic (the dialect's barrier is rm_barrier()).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  __syncthreads();
  out[i] = x[i];
