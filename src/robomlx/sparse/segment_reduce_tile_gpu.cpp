// SPDX-License-Identifier: Apache-2.0
// GPU kernel (GpuKernel: CUDA and Metal streams, Metal unverified) for contiguous D == 1 segment
// reductions (the bandwidth-bound case: millions of
// scalars in short segments). It tiles the values, not the segments: block b reads the TILE
// values [v0, v1) = [TILE b, TILE b + TILE), thread t the PER = 16 consecutive ones from v0 + PER t,
// straight into registers (float4 loads when x is 16-byte aligned, CUDA), so every block streams a full
// tile whatever the segment lengths.
// The block owns the segments whose start lies in [v0, v1) (the last block also every later one,
// so trailing empty segments are written): [k_first, k_last), read from a per-tile table that a
// small first kernel builds (kFirstSource) while the loads are in flight. It marks in shared
// memory a bit at every tile position where a non-empty owned segment starts. Each thread then
// walks its PER values once, branching only at those bits: a segment that starts and ends inside
// them is finished on the spot; the thread keeps the partial of its first and of its last run.
// Segments crossing thread boundaries are finished from those partials, combined left to right by
// one thread each (so results are deterministic: no atomics), plus the remainder past v1 of the
// one segment that can leave the tile, which the block reads cooperatively from global memory.
// A segment much longer than a tile is therefore read by one block, at one block's bandwidth;
// host-checked layouts split such segments into tile-sized pieces first (segment_layout_internal.h).
// (Measured on an H100, 10M values in 200k segments: staging the tile in shared memory with 8 lanes
// per segment ran 12M warp instructions, 38 % of bandwidth; a walk that searched and closed
// segments per value diverged into 15M, 34 %.)
#include <algorithm>

#include <mlx/ops.h>

#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/sparse/segment_reduce_twins.h"

#include "robomlx/sparse/kernels/segment_reduce_ops.cuh.h"
#include "robomlx/sparse/kernels/segment_reduce_tile.cu.h"
#include "robomlx/sparse/kernels/segment_reduce_tile_first.cu.h"

namespace robomlx::sparse::detail {

namespace {

// Values a thread x threads a block. Measured on an H100, 10M values in 200k segments, kernel time
// under ncu at real clocks, sum / mean (us): 16 x 128: 23.2 / 25.5; 16 x 256: 23.4 / 26.6;
// 32 x 128: 25.6 / 28.1; 32 x 64: 26.0 / 27.9; 8 x 256: 28.5 / 28.9. Earlier, at base clocks, 16 x
// 64 / 128 / 256 / 512: 25.9 / 25.0 / 25.2 / 26.5 (sum). Blocks that loop over several tiles and
// load the next one during the walk's tail (a persistent grid of 4-10 blocks an SM) were slower,
// 24.5-34 us: the loop's registers cost more occupancy than the overlap gained.
constexpr int kPer = 16, kThreads = 128, kTile = kPer * kThreads;

int tile_count(int64_t total) { return static_cast<int>(std::max<int64_t>(1, (total + kTile - 1) / kTile)); }

}  // namespace

mx::array segment_tile_table_gpu(const mx::array& ends, int total, mx::Stream s) {
  static const GpuKernel kernel("robomlx_sparse_segment_tile_first", {"values", "ends"}, {"first"},
                                kernels::segment_reduce_tile_first_cu, {}, /*ensure_row_contiguous=*/false);
  const int K = ends.size();
  // The kernel needs only the number of values, from `values`' shape: a broadcast scalar that it
  // never reads. (A host-built int32 [1] holding the total lives in managed memory, and reading it
  // cost a page migration: 3.6 -> 18 us a call on an H100.) Every entry of `first` is written.
  auto values = mx::broadcast_to(mx::array(0, mx::int32), {total}, s);
  return kernel({values, ends}, {{tile_count(total) + 1}}, {mx::int32},
                {K + 1, 1, 1}, {256, 1, 1}, {{"TILE", kTile}}, std::nullopt, s)[0];
}

mx::array segment_reduce_tile_gpu(const mx::array& x, const mx::array& ends, const mx::array& table, ReduceOp op,
                                  mx::Stream s) {
  static const GpuKernel kernel("robomlx_sparse_segment_reduce_tile", {"x", "ends", "first"}, {"y"},
                                kernels::segment_reduce_tile_cu, {kernels::segment_reduce_ops_cuh});
  const int K = ends.size(), blocks = tile_count(x.shape(0));
  return kernel({mx::astype(x, mx::float32, s), ends, table}, {{K, 1}}, {mx::float32}, {blocks * kThreads, 1, 1},
                {kThreads, 1, 1}, {{"OP", static_cast<int>(op)}, {"THREADS", kThreads}, {"PER", kPer}}, std::nullopt,
                s)[0];
}

}  // namespace robomlx::sparse::detail
