// SPDX-License-Identifier: Apache-2.0
// Colorizer histogram for equalisation (launched by colorizer_cuda.cpp; header: colorizer.cuh).
// Input data [h, w] (uint16 or float32), output hist int32 [65536], zero-initialised; N (template):
// the number of values, one thread each.
// Warp-aggregated: lanes with the same bin (holes, flat surfaces) add once through their leader,
// so the atomics on hot bins do not serialise. No early return: every lane joins the match.

  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const bool ok = i < N;
  const int b = ok ? robomlx_bin((float)data[i]) : -1;
  const unsigned int peers = __match_any_sync(__activemask(), b);
  if (ok && (int)(threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(&hist[b], (int)__popc(peers));
