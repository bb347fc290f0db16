// SPDX-License-Identifier: Apache-2.0
// Z16 decimation (launched by decimation_gpu.cpp): lower median of the non-zero values of each
// S x S block for S = 2, 3, else their mean. Input depth uint16 [h, w]; output out uint16 [hp, wp]
// (h / S, w / S rounded up to multiples of 4, zero-padded). S: scale (template constant).
// Launch: a 2D grid over the output, 32 x 8 blocks.

  const int x = RM_BLOCK_IDX.x * RM_BLOCK_DIM.x + RM_THREAD_IDX.x;
  const int y = RM_BLOCK_IDX.y * RM_BLOCK_DIM.y + RM_THREAD_IDX.y;
  const int h = depth_shape[0], w = depth_shape[1];
  const int hr = h / S, wr = w / S, hp = (hr + 3) / 4 * 4, wp = (wr + 3) / 4 * 4;
  if (x >= wp || y >= hp) return;
  uint16_t r = 0;
  if (y < hr && x < wr) {
    auto b = depth + (int64_t)y * S * w + (int64_t)x * S;
    if (S == 2 || S == 3) {
      // v - 1 maps 0 to 65535, above every valid value: sorted, the n valid samples come first and
      // rank (n - 1) / 2 plus 1 is the lower median (n = 0 gives 65535 + 1 = 0).
      unsigned int p[S * S < 9 ? 9 : S * S];
      int n = 0;
#pragma unroll
      for (int k = 0; k < S * S; ++k) {
        const unsigned int d = b[(int64_t)(k / S) * w + k % S];
        n += d != 0;
        p[k] = (d - 1u) & 0xFFFFu;
      }
#define RS_CS(i, j) { const unsigned int a = p[i], c = p[j]; p[i] = min(a, c); p[j] = max(a, c); }
      if (S == 2) {
        RS_CS(0, 1) RS_CS(2, 3) RS_CS(0, 2) RS_CS(1, 3) RS_CS(1, 2)
      } else {
        RS_CS(0, 3) RS_CS(1, 7) RS_CS(2, 5) RS_CS(4, 8) RS_CS(0, 7) RS_CS(2, 4) RS_CS(3, 8) RS_CS(5, 6) RS_CS(0, 2)
        RS_CS(1, 3) RS_CS(4, 5) RS_CS(7, 8) RS_CS(1, 4) RS_CS(3, 6) RS_CS(5, 7) RS_CS(0, 1) RS_CS(2, 4) RS_CS(3, 5)
        RS_CS(6, 8) RS_CS(2, 3) RS_CS(4, 5) RS_CS(6, 7) RS_CS(1, 2) RS_CS(3, 4) RS_CS(5, 6)
      }
#undef RS_CS
      unsigned int o = p[0];
#pragma unroll
      for (int k = 1; k <= (S * S - 1) / 2; ++k) o = n >= 2 * k + 1 ? p[k] : o;
      r = (uint16_t)(o + 1u);
    } else {
      int sum = 0, count = 0;
      for (int dy = 0; dy < S; ++dy) {
#pragma unroll
        for (int dx = 0; dx < S; ++dx) {
          const int d = b[(int64_t)dy * w + dx];
          sum += d;
          count += d != 0;
        }
      }
      r = (uint16_t)(sum / max(count, 1));
    }
  }
  out[(int64_t)y * wp + x] = r;
