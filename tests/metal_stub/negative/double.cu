// SPDX-License-Identifier: Apache-2.0
// Must be rejected: double (Metal has no 64-bit floats).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  const double v = x[i];
  out[i] = (float)v;
