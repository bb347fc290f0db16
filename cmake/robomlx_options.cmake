# SPDX-License-Identifier: Apache-2.0
# Warnings and sanitizers shared by every robomlx target (applied through robomlx_warnings).
add_library(robomlx_warnings INTERFACE)
target_compile_options(robomlx_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)

if(ROBOMLX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# GCC on aarch64 notes, for every use of MLX's std::pair<float, float> returns, that their passing
# changed in GCC 10.1: nothing here mixes with code that old.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(robomlx_warnings INTERFACE -Wno-psabi)
endif()
