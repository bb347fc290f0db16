// SPDX-License-Identifier: Apache-2.0
// Private (not installed): register-tiled float32 micro-kernels behind the MVMR / VVOR CPU twin
// (mvmr_cpu.cpp), defined in mvmr_cpu_kernels.cpp with GCC/Clang vector extensions; an AVX2+FMA
// clone is picked at load time on x86-64.
#pragma once

#include <cstdint>

namespace robomlx::sparse::detail {

/// Output columns per tile (two 8-wide vectors) and rows per tile.
constexpr int kTileCols = 16;
constexpr int kTileRows = 4;

/// y[q][0:16] += sum_{c < C} x[q][c] * w[c * ldw + 0:16] for q < 4 (rows may alias: they are
/// added one after another).
void gemm_rows_tile(const float* const x[kTileRows], const float* w, int C, int64_t ldw, float* const y[kTileRows]);

/// o[q * ldo + 0:16] += sum_{t < n} a[t][a_off + q] * b[t][b_off + 0:16] for q < 4: a 4 x 16 block
/// of a sum of outer products.
void outer_sum_tile(const float* const* a, int64_t a_off, const float* const* b, int64_t b_off, int64_t n,
                    float* o, int64_t ldo);

}  // namespace robomlx::sparse::detail
