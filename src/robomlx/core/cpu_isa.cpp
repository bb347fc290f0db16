// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/cpu_isa.h"

#include <cstdlib>
#include <iostream>
#include <string>

namespace robomlx {

CpuIsa cpu_isa_cap() {
  static const CpuIsa cap = [] {
    const char* s = std::getenv("ROBOMLX_CPU_ISA");
    const std::string v = s ? s : "";
    if (v == "generic") return CpuIsa::generic;
    if (v == "sse2") return CpuIsa::sse2;
    if (v == "avx2") return CpuIsa::avx2;
    if (!v.empty() && v != "avx512")
      std::cerr << "robomlx: ROBOMLX_CPU_ISA='" << v << "' is not generic, sse2, avx2 or avx512: ignored\n";
    return CpuIsa::avx512;
  }();
  return cap;
}

}  // namespace robomlx
