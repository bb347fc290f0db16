// SPDX-License-Identifier: Apache-2.0
// Helper of depth_to_points_occlusion.cu (its header): B columns of a row into registers.

// Columns [x0, x0 + B) of the row starting at `row` (past the row's end, W: invalid, zeros):
// whether the depth is valid, the texture x, the vertex.
template <int B, typename PD, typename PV, typename PX>
RM_FUNC void rs_fetch_columns(PD depth, PV vertices, PX pixel_x, int64_t row, int x0, int W, RM_THREAD bool (&v)[B],
                              RM_THREAD float (&p)[B], RM_THREAD float (&a)[B], RM_THREAD float (&b)[B],
                              RM_THREAD float (&z)[B]) {
#pragma unroll
  for (int j = 0; j < B; ++j) {
    const int x = x0 + j;
    const bool ok = x < W;
    v[j] = ok && depth[row + x] != 0;
    p[j] = ok ? pixel_x[row + x] : 0.0f;
    a[j] = ok ? vertices[3 * (row + x)] : 0.0f;
    b[j] = ok ? vertices[3 * (row + x) + 1] : 0.0f;
    z[j] = ok ? vertices[3 * (row + x) + 2] : 0.0f;
  }
}
