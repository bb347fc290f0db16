// SPDX-License-Identifier: Apache-2.0
// Which shared library provides the BLAS that MLX's CPU matmul/conv calls (see README "CPU BLAS":
// the CPU wheel bundles reference BLAS; robomlx links OpenBLAS ahead of it by default).
#pragma once

#include <string>

namespace robomlx {

/// Path of the library whose cblas_sgemm the process resolves, or "" if none is loaded.
std::string blas_provider();

}  // namespace robomlx
