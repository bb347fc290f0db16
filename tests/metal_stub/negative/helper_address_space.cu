// SPDX-License-Identifier: Apache-2.0
// Must be rejected: device memory handed to a helper taking a plain `const float*` (on Metal that
// pointer would be in the thread address space; template the helper on the pointer type).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  out[i] = neg_first(x + i);
