# SPDX-License-Identifier: Apache-2.0
# The library of an existing build tree as an imported target `robomlx`, for the Python wheel
# (CMakeLists.txt: SKBUILD with ROBOMLX_PREBUILT_BUILD_DIR). Headers come from this source tree,
# generated ones from the build tree; the build tree must be of this checkout and this MLX version.
set(_dir "${ROBOMLX_PREBUILT_BUILD_DIR}")
set(_lib "${_dir}/src/robomlx/librobomlx${CMAKE_SHARED_LIBRARY_SUFFIX}.${PROJECT_VERSION_MAJOR}")
if(NOT EXISTS "${_lib}" OR NOT EXISTS "${_dir}/generated/robomlx/core/version.h")
  message(FATAL_ERROR "[robomlx] ROBOMLX_PREBUILT_BUILD_DIR=${_dir} holds no built library (${_lib}): "
    "build it first (cmake --build ${_dir} --target robomlx)")
endif()
add_library(robomlx SHARED IMPORTED)
set_target_properties(robomlx PROPERTIES
  IMPORTED_LOCATION "${_lib}"
  IMPORTED_SONAME "librobomlx${CMAKE_SHARED_LIBRARY_SUFFIX}.${PROJECT_VERSION_MAJOR}"
  INTERFACE_INCLUDE_DIRECTORIES "${PROJECT_SOURCE_DIR}/src;${_dir}/generated"
  INTERFACE_LINK_LIBRARIES mlx)
add_library(robomlx::robomlx ALIAS robomlx)
set(ROBOMLX_PREBUILT_LIBRARY "${_lib}")
message(STATUS "[robomlx] using the prebuilt library ${_lib}")
