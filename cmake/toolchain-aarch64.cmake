# SPDX-License-Identifier: Apache-2.0
# Cross build for 64-bit ARM Linux on a Debian x86-64 host (scripts/setup-arm64 installs all of it):
# Debian's g++-aarch64-linux-gnu, the arm64 -dev packages through multiarch (/usr/lib/aarch64-linux-gnu),
# MLX from the aarch64 mlx-cpu wheel (pass -DMLX_ROOT=.arm64/mlx/mlx), and the binaries run under
# qemu-aarch64 (user mode, no binfmt needed): ctest and gtest_discover_tests prefix every test binary
# with CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Multiarch, not a sysroot: headers are shared in /usr/include, libraries and CMake packages are
# found in /usr/lib/aarch64-linux-gnu through CMAKE_LIBRARY_ARCHITECTURE. pkg-config must not
# answer with the host's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# The emulator: qemu-aarch64 through cmake/aarch64/run, which also gives MLX's CPU fusion a cross g++.
set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/aarch64/run" CACHE FILEPATH
    "Runs aarch64 programs on the host")
