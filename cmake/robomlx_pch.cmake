# SPDX-License-Identifier: Apache-2.0
# Precompiled headers: parsing <mlx/mlx.h> (and GoogleTest in the test binaries) is about half of
# what compiling a typical robomlx source costs, and CI compiles ~600 of them on two cores. Each
# target that includes MLX precompiles it once (target_precompile_headers prepends the header to
# every source, so a source must not depend on a macro being defined before MLX is included).
option(ROBOMLX_PCH "Precompile MLX's headers (and GoogleTest's in tests) once per target" ON)

function(robomlx_precompile_headers target)
  if(NOT ROBOMLX_PCH)
    return()
  endif()
  target_precompile_headers(${target} PRIVATE <mlx/mlx.h> ${ARGN})
endfunction()
