// SPDX-License-Identifier: Apache-2.0
// Private (not installed): helpers shared by the CPU twins (sgm_cpu.cpp, sgm_cpu_refine.cpp):
// threads, the census, and the SGM core's cost rows and selection (sgm_cpu_census.cpp,
// sgm_cpu_cost.cpp, sgm_cpu_select.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "robomlx/core/parallel.h"
#include "robomlx/stereo/sgm_internal.h"

// x86-64 builds get AVX2 code chosen at run time (ROBOMLX_STEREO_X86 = 1); other targets (arm64)
// compile the generic loops only, which the compiler vectorises for the baseline ISA
// (-DROBOMLX_STEREO_GENERIC_ONLY forces that on x86-64 too, to check or test those loops).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(ROBOMLX_STEREO_GENERIC_ONLY)
#define ROBOMLX_STEREO_X86 1
// Feature-based clones: an "arch=" clone would be picked by CPU model and skip AMD parts.
#define ROBOMLX_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ROBOMLX_STEREO_X86 0
#define ROBOMLX_SIMD_CLONES
#endif

namespace robomlx::stereo::detail {

/// Thread count for the fixed, barrier-synchronised column split of the vertical paths
/// (sgm_cpu.cpp), which needs exactly one range per thread; row loops use robomlx::parallel_for.
inline int thread_count(int work_items) {
  return std::max(1, std::min({usable_cpus(), 16, work_items}));
}

/// The SGM core's volumes: cost C [H, W, D] uint8 and aggregated S [H, W, D] uint16. The S
/// buffer has kSumPad writable elements of slack before and after (right_wta_avx2 loads).
constexpr std::size_t kSumPad = 16;
struct Volume {
  int h, w, nd;
  std::uint8_t* cost;
  std::uint16_t* sum;
  const std::uint8_t* c(int y, int x) const { return cost + (std::size_t(y) * w + x) * nd; }
  std::uint16_t* s(int y, int x) { return sum + (std::size_t(y) * w + x) * nd; }
};

/// Cost row C(y, ., .) into out [W, D] (sgm_internal.h definition) from census rows cl, cr and
/// grey rows il, ir; bytes = census bytes in use ((bits + 7) / 8); outside = cost_max.
void cost_row(const std::uint64_t* cl, const std::uint64_t* cr, const float* il, const float* ir, int w, int min_d,
              int nd, bool ad, std::uint8_t outside, int bytes, std::uint8_t* out);

/// Disparity and confidence of row y from S (sgm_select.cpp rules); kright, sright: W scratch,
/// or with kright_ready kright holds the right-view WTA already (reversed, as select_row builds it).
void select_row(Volume& v, int y, const CoreParams& p, float* disp, float* conf, std::vector<std::uint16_t>& kright,
                std::vector<std::uint16_t>& sright, bool kright_ready = false);

/// Rows [y0, y1) of the size x size median (3: sorting network; 5: nth_element), edge-clamped.
void median_rows(const float* in, float* out, int h, int w, int size, int y0, int y1);

/// Rows [y0, y1) of the census transform (sgm_internal.h definition) of img [h, w].
void census_rows(const float* img, int h, int w, int cw, int ch, std::uint64_t* out, int y0, int y1);

/// The SGM recurrence at disparity k of one pixel (sgm_internal.h): prev points at the previous
/// pixel's D + 2 path costs (sentinels at both ends), pmin is their minimum, lim = pmin + P2, c
/// the matching cost. L is the path-cost type (uint8 when cost_max + P2 + P1 <= 255, so that no
/// step wraps; uint16 otherwise). Every row loop of the twin inlines this one expression.
template <typename L>
inline __attribute__((always_inline)) L path_cost(const L* prev, int k, std::uint8_t c, L pmin, L lim, L p1) {
  const L v = std::min(std::min(prev[k + 1], L(std::min(prev[k], prev[k + 2]) + p1)), lim);
  return L(c + L(v - pmin));
}

/// One row of the two sweeps (sgm_cpu_fused.cpp): np (1 or 3) vertical and diagonal paths
/// (vp/vm: previous rows of (W + 2) pixels of D + 2 values and their minima, vc/vcm: current;
/// pixels 0 and W + 1 are zero starts) and one horizontal path in direction hx (hp: its start,
/// D + 2 values, minimum hm; hc: scratch of the same size). Writes the paths' sum to out
/// (add = false) or sum + it (add = true). With sr and kr (W + min_d + nd each) on an adding
/// left-to-right row, may also fill kr with select_row's right-view WTA: returns whether it did.
template <typename L>
bool fused_row(int np, bool add, L* const* vp, L* const* vm, L* const* vc, L* const* vcm, L* hp, L* hc, L& hm, int hx,
               const std::uint8_t* cost, const std::uint16_t* sum, std::uint16_t* out, bool first, int w, int nd, L p1,
               L p2, std::uint16_t* sr, std::uint16_t* kr, int min_d);

/// Host body of the CPU twin of the SGM core (row-major float images, outputs preallocated
/// H*W): sgm_cpu.cpp.
void sgm_core_host(const float* left, const float* right, int h, int w, const CoreParams& p, float* disparity,
                   float* confidence);

}  // namespace robomlx::stereo::detail
