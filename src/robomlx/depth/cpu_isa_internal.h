// SPDX-License-Identifier: Apache-2.0
// The vector width a CPU twin's row loop runs at, chosen once at run time on x86-64 (AVX2 where
// the CPU has it, else SSE2, which every x86-64 has); other targets (arm64) run the generic loops.
// Row functions take it as a parameter so that tests run every path on one machine.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#define ROBOMLX_DEPTH_X86 1
#else
#define ROBOMLX_DEPTH_X86 0
#endif

#include "robomlx/core/cpu_isa.h"

namespace robomlx::depth::detail {

enum class CpuIsa { generic, sse2, avx2 };

/// The widest path this CPU runs: avx2, sse2 or (not x86-64) generic; ROBOMLX_CPU_ISA caps it.
inline CpuIsa best_cpu_isa() {
#if ROBOMLX_DEPTH_X86
  static const CpuIsa best = __builtin_cpu_supports("avx2") && cpu_isa_allowed(robomlx::CpuIsa::avx2) ? CpuIsa::avx2
                             : cpu_isa_allowed(robomlx::CpuIsa::sse2)                                 ? CpuIsa::sse2
                                                                                                      : CpuIsa::generic;
  return best;
#else
  return CpuIsa::generic;
#endif
}

/// `want`, lowered to what this CPU runs (asking for avx2 on a CPU without it gives sse2).
inline CpuIsa usable_cpu_isa(CpuIsa want) {
  const CpuIsa best = best_cpu_isa();
  return static_cast<int>(want) <= static_cast<int>(best) ? want : best;
}

}  // namespace robomlx::depth::detail
