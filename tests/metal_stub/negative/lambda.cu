// SPDX-License-Identifier: Apache-2.0
// Must be rejected: a lambda (the Metal Shading Language has none).

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  auto twice = [&](unsigned j) { return 2.0f * x[j]; };
  out[i] = twice(i);
