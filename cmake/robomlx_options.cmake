# SPDX-License-Identifier: Apache-2.0
# Warnings and sanitizers shared by every robomlx target (applied through robomlx_warnings).
add_library(robomlx_warnings INTERFACE)
target_compile_options(robomlx_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)

if(ROBOMLX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
