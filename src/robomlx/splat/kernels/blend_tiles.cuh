// SPDX-License-Identifier: Apache-2.0
// Device helpers of splat.blend's kernels (blend_tiles_forward.cu, blend_tiles_backward.cu):
// graphdeco's rule for the alpha of one Gaussian at one pixel (blend_tiles.h), the same
// arithmetic as the CPU twin's blend_alpha (blend_tiles_internal.h). Constants are literals here
// (a Metal global would need the constant address space): clamp 0.99, skip below 1/255.

// Gaussian (mx, my) with conic (a, b, c) and opacity o at pixel (px, py): false when skipped
// (power > 0 or alpha < 1/255); else alpha (clamped at 0.99), G = exp(power), dx, dy = mean - pixel.
RM_FUNC bool blend_alpha(float mx, float my, float a, float b, float c, float o, float px, float py,
                         RM_THREAD float& alpha, RM_THREAD float& g, RM_THREAD float& dx, RM_THREAD float& dy) {
  dx = mx - px;
  dy = my - py;
  const float power = -0.5f * (a * dx * dx + c * dy * dy) - b * dx * dy;
  if (power > 0.0f) return false;
  g = exp(power);
  alpha = min(0.99f, o * g);
  return alpha >= 1.0f / 255.0f;
}

// True in every thread when no thread of the 256-thread block still has `active` set: a ballot
// per warp, one word per warp in `votes` (8 entries), a barrier. Every thread must call it.
RM_FUNC bool blend_block_done(bool active, int tid, RM_GROUP int* votes) {
  const unsigned any = rm_ballot(active);
  if ((tid & 31) == 0) votes[tid >> 5] = any != 0u ? 1 : 0;
  rm_barrier();
  int n = 0;
  for (int w = 0; w < 8; ++w) n += votes[w];
  return n == 0;
}
