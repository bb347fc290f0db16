// SPDX-License-Identifier: Apache-2.0
// The serve suite's parts (serve_bench.cpp runs them).
#pragma once

#include "robomlx/core/bench.h"

namespace robomlx::serve {

/// serve.rms_norm and serve.decode_attention alone, at SmolLM2's widths, through the implementation
/// auto picks and through the portable path (serve_ops_bench.cpp).
void op_cases(BenchContext& ctx);

}  // namespace robomlx::serve
