// SPDX-License-Identifier: Apache-2.0
// Helpers of hole_filling_around.cu (its header, after hole_filling.cuh): the mover threads
// (tid 32 .. 127) stage the band's raw rows y0 .. y0 + 32 in 32-column chunks, PER values each,
// through registers into a ring of four shared chunks.

// Chunk c (columns 32 c .. 32 c + 31 of rows y0 .. y0 + 32) into registers; outside the image: 0.
template <int PER, typename P, typename T>
RM_FUNC void rs_band_fetch(P inp, int h, int w, int y0, int tid, int c, RM_THREAD T (&pre)[PER]) {
#pragma unroll
  for (int u = 0; u < PER; ++u) {
    const int e = tid - 32 + 96 * u, yy = y0 + (e >> 5), x = 32 * c + (e & 31);
    pre[u] = (e < 33 * 32 && yy < h && x < w) ? inp[(int64_t)yy * w + x] : T(0);
  }
}

// The registers of chunk c into its ring slot, raw[c & 3].
template <int PER, int PAD, typename T>
RM_FUNC void rs_band_put(RM_GROUP T (*raw)[33][PAD], int tid, int c, RM_THREAD const T (&pre)[PER]) {
#pragma unroll
  for (int u = 0; u < PER; ++u) {
    const int e = tid - 32 + 96 * u;
    if (e < 33 * 32) raw[c & 3][e >> 5][e & 31] = pre[u];
  }
}
