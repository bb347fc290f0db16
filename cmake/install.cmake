# SPDX-License-Identifier: Apache-2.0
# Installs the library, headers and CLI, and exports robomlx::robomlx for find_package(robomlx).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS robomlx EXPORT robomlxTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS robomlx_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET robomlx_port_scan_cli)  # a partial build (ROBOMLX_MODULES) may leave port_scan out
  install(TARGETS robomlx_port_scan_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# Public headers only: *_twins.h and *_internal.h are private (docs/CONTRIBUTING.md), and kernels/
# holds kernel sources embedded at build time.
install(DIRECTORY src/robomlx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h"
  PATTERN "*_twins.h" EXCLUDE PATTERN "*_internal.h" EXCLUDE PATTERN "kernels" EXCLUDE)
install(DIRECTORY ${PROJECT_BINARY_DIR}/generated/robomlx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT robomlxTargets NAMESPACE robomlx:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/robomlx)
configure_package_config_file(cmake/robomlxConfig.cmake.in ${PROJECT_BINARY_DIR}/robomlxConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/robomlx)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/robomlxConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/robomlxConfig.cmake ${PROJECT_BINARY_DIR}/robomlxConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/robomlx)
