# SPDX-License-Identifier: Apache-2.0
# Locates MLX: an explicit MLX_ROOT (a system or source-built MLX) wins; otherwise ask the
# project venv's interpreter (`python -m mlx --cmake-dir`), which is what scripts/setup installs.
if(NOT MLX_ROOT AND DEFINED ENV{MLX_ROOT})
  set(MLX_ROOT "$ENV{MLX_ROOT}")
endif()
if(NOT MLX_ROOT)
  set(ROBOMLX_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH "Python holding the mlx wheel")
  if(NOT EXISTS "${ROBOMLX_PYTHON}")
    message(FATAL_ERROR "[robomlx] no MLX found: run scripts/setup (creates .venv with the pinned mlx wheel) or pass -DMLX_ROOT=<prefix>")
  endif()
  execute_process(COMMAND "${ROBOMLX_PYTHON}" -m mlx --cmake-dir
    OUTPUT_VARIABLE MLX_ROOT OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _mlx_rc ERROR_VARIABLE _mlx_err)
  if(NOT _mlx_rc EQUAL 0)
    message(FATAL_ERROR "[robomlx] `${ROBOMLX_PYTHON} -m mlx --cmake-dir` failed: ${_mlx_err}")
  endif()
endif()
set(MLX_ROOT "${MLX_ROOT}" CACHE PATH "MLX install prefix (holds share/cmake/MLX)" FORCE)
# The CUDA wheel's MLXConfig asks for a CUDA toolkit and cuDNN headers at configure time; a
# machine that only runs MLX needs neither, so ROBOMLX_MLX_IMPORTED declares the target by hand
# (libmlx.so finds its CUDA libraries through its own RPATH).
option(ROBOMLX_MLX_IMPORTED "Declare the mlx target by hand instead of find_package(MLX)" OFF)
if(ROBOMLX_MLX_IMPORTED)
  add_library(mlx SHARED IMPORTED)
  set_target_properties(mlx PROPERTIES
    IMPORTED_LOCATION "${MLX_ROOT}/lib/libmlx${CMAKE_SHARED_LIBRARY_SUFFIX}"
    INTERFACE_INCLUDE_DIRECTORIES "${MLX_ROOT}/include"
    INTERFACE_COMPILE_FEATURES cxx_std_20)
  set(MLX_LIBRARY_DIRS "${MLX_ROOT}/lib")
  file(STRINGS "${MLX_ROOT}/include/mlx/version.h" _mlx_ver REGEX "define MLX_VERSION_(MAJOR|MINOR|PATCH)")
  string(REGEX REPLACE "[^0-9;]" "" MLX_VERSION "${_mlx_ver}")
  string(REPLACE ";" "." MLX_VERSION "${MLX_VERSION}")
else()
  find_package(MLX CONFIG REQUIRED)
endif()
message(STATUS "[robomlx] MLX ${MLX_VERSION} from ${MLX_ROOT}")

# The CPU wheel bundles reference (Netlib) BLAS. Linking OpenBLAS before libmlx puts its
# cblas_*/LAPACK symbols first in the global lookup scope, so MLX's matmul and conv use it
# (measured: 1024^3 float32 matmul 480 ms -> 13 ms on 2 cores). See README "CPU BLAS".
set(ROBOMLX_BLAS_LINK "")
if(ROBOMLX_INTERPOSE_OPENBLAS AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  find_library(ROBOMLX_OPENBLAS NAMES libopenblas.so.0 openblas
    PATHS /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/aarch64-linux-gnu/openblas-pthread)
  if(ROBOMLX_OPENBLAS)
    set(ROBOMLX_BLAS_LINK "-Wl,--no-as-needed" "${ROBOMLX_OPENBLAS}" "-Wl,--as-needed")
    message(STATUS "[robomlx] interposing OpenBLAS: ${ROBOMLX_OPENBLAS}")
  else()
    message(STATUS "[robomlx] OpenBLAS not found; MLX keeps its bundled BLAS")
  endif()
endif()
