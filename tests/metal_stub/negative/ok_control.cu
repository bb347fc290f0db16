// SPDX-License-Identifier: Apache-2.0
// A correct kernel among the negative cases: the negative check must report it ACCEPTED, which
// shows that the others fail for their own fault, not the harness's. (metal_check.py
// --expect-fail treats files named ok_*.cu as cases that must pass.)

  const unsigned i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  RM_SHARED float tile[32];
  tile[RM_THREAD_IDX.x & 31u] = x[i];
  rm_barrier();
  out[i] = tile[RM_THREAD_IDX.x & 31u] + rm_shfl_xor(x[i], 1);
