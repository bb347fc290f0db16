# SPDX-License-Identifier: Apache-2.0
# Which system folders join the library (and their commands, benchmarks and tests). The default is
# all of them; a smaller set exists for builds that need only some systems, such as the arm64 quick
# suite of `make test` (scripts/test-arm64 quick), which emulates core, depth, stereo and sparse and
# would otherwise cross-compile serve, splat, vision... for nothing. Order = dependency order.
set(ROBOMLX_ALL_MODULES core depth stereo sparse splat serve vision sim port_scan)
set(ROBOMLX_MODULES "${ROBOMLX_ALL_MODULES}" CACHE STRING
  "System folders to build (a ;-list of: core depth stereo sparse splat serve vision sim port_scan)")

# What each module's sources include from other modules (kept in step with their #includes).
set(robomlx_needs_splat sparse)
set(robomlx_needs_serve depth stereo sparse splat)

foreach(module ${ROBOMLX_MODULES})
  if(NOT module IN_LIST ROBOMLX_ALL_MODULES)
    message(FATAL_ERROR "[robomlx] ROBOMLX_MODULES: unknown module '${module}' (known: ${ROBOMLX_ALL_MODULES})")
  endif()
  foreach(needed core ${robomlx_needs_${module}})
    if(NOT needed IN_LIST ROBOMLX_MODULES)
      message(FATAL_ERROR "[robomlx] ROBOMLX_MODULES: '${module}' needs '${needed}'")
    endif()
  endforeach()
endforeach()

# Everything that spans systems (the CLI policy tests, cli.contract, the installed-package test, the
# Python package) exists only in the whole build.
set(ROBOMLX_WHOLE_BUILD ON)
foreach(module ${ROBOMLX_ALL_MODULES})
  if(NOT module IN_LIST ROBOMLX_MODULES)
    set(ROBOMLX_WHOLE_BUILD OFF)
  endif()
endforeach()
if(NOT ROBOMLX_WHOLE_BUILD)
  message(STATUS "[robomlx] modules: ${ROBOMLX_MODULES} (a partial build: cross-system tests and Python are left out)")
endif()

# True when the CLI source `file` (apps/robomlx/cmd_<module>*.cpp, <module>_*.cpp) belongs to a
# module that is not built. `robomlx generate` is serve's.
function(robomlx_cli_source_disabled file out)
  get_filename_component(name "${file}" NAME)
  if(name STREQUAL "cmd_generate.cpp")
    set(name cmd_serve.cpp)
  endif()
  set(${out} OFF PARENT_SCOPE)
  foreach(module ${ROBOMLX_ALL_MODULES})
    if(NOT module IN_LIST ROBOMLX_MODULES AND name MATCHES "^(cmd_)?${module}[_.]")
      set(${out} ON PARENT_SCOPE)
    endif()
  endforeach()
endfunction()
