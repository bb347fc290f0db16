// SPDX-License-Identifier: Apache-2.0
// Colorizer histogram for equalisation (launched by colorizer_gpu.cpp; header: colorizer.cuh).
// Input data [h, w] (uint16 or float32), output hist int32 [65536], zero-initialised; N (template):
// the number of values, one thread each.
// Warp-aggregated: lanes with the same bin (holes, flat surfaces) add once through their leader,
// so the atomics on hot bins do not serialise. No early return: every lane joins the match.

  const int i = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  const bool ok = i < N;
  const int b = ok ? robomlx_bin((float)data[i]) : -1;
  const unsigned int peers = rm_match_any(b);
  if (ok && (int)(RM_THREAD_IDX.x & 31) == rm_ffs(peers) - 1) rm_atomic_add(&hist[b], (int)rm_popc(peers));
