// SPDX-License-Identifier: Apache-2.0
// How wide the CPU twins' hand-written x86-64 SIMD kernels may go: what the CPU has, capped by
// ROBOMLX_CPU_ISA (generic, sse2, avx2 or avx512), for timing one path against another on the
// same machine or stepping around a kernel that misbehaves on some CPU. Each kernel still checks
// the exact features it needs (popcnt, fma, avx512bw, ...); compiler-cloned loops are not capped.
#pragma once

// Plain loops that the compiler vectorises, cloned for AVX2 and chosen at run time by the CPU's
// features (an "arch=" clone would be picked by CPU model and skip AMD parts). Without FMA in the
// clone the compiler contracts nothing, so both clones round alike. Non-x86 targets, or
// -DROBOMLX_CPU_GENERIC_ONLY, compile the baseline loop only.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(ROBOMLX_CPU_GENERIC_ONLY)
#define ROBOMLX_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ROBOMLX_AVX2_CLONES
#endif

namespace robomlx {

enum class CpuIsa { generic, sse2, avx2, avx512 };

/// The cap from ROBOMLX_CPU_ISA, read once (unset or unknown: no cap, i.e. avx512).
CpuIsa cpu_isa_cap();

/// Whether kernels of `isa` may run: the cap allows it (the caller checks the CPU's features).
inline bool cpu_isa_allowed(CpuIsa isa) { return static_cast<int>(isa) <= static_cast<int>(cpu_isa_cap()); }

}  // namespace robomlx
