// SPDX-License-Identifier: Apache-2.0
// Must be rejected: an atomic on a 16-bit value in device memory (Metal's atomics are 32-bit:
// int, uint, bool, float).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  RM_SHARED uint16_t counts[32];
  rm_atomic_add(&counts[i & 31u], (uint16_t)1);
  rm_barrier();
  out[i] = x[i] + counts[i & 31u];
