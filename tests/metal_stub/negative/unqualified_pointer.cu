// SPDX-License-Identifier: Apache-2.0
// Must be rejected: a pointer into device memory declared without an address space (Metal needs
// `device`; in the dialect RM_DEVICE, or auto).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  float* p = out;
  p[i] = x[i];
