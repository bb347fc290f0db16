# SPDX-License-Identifier: Apache-2.0
# Kernel sources as files. Every src/robomlx/<system>/kernels/<name>.cu (a kernel body) and
# <name>.cuh (device helpers for a kernel's header) is embedded at build time into a private
# generated header, build/generated_private/robomlx/<system>/kernels/<name>.cu.h, which defines
#   namespace robomlx::<system>::kernels { inline constexpr const char* <name>_cu = "<text>"; }
# (<name>_cuh for a .cuh). The *_cuda.cpp twins include it and hand the text to fast::cuda_kernel.
#
# A kernel file is a comment block (SPDX line, what the kernel computes, its inputs, outputs,
# template constants and launch), then the text, which starts with an empty line and is embedded
# byte for byte: MLX wraps it in the signature it generates and looks for `<input>_shape` in it,
# so the text, not the file, is what runs. The headers hold text only (no CUDA API), so another
# backend can embed its own files the same way (add its extension to ROBOMLX_KERNEL_EXTENSIONS).
# These headers are never installed: their folder is a PRIVATE include directory of robomlx.
#
# Two roles: included from CMakeLists, it defines robomlx_embed_kernels(); run with
# cmake -DIN=<file> -DOUT=<header> -DNAMESPACE=<ns> -DSOURCE=<path shown> -P, it writes one header.

if(NOT CMAKE_SCRIPT_MODE_FILE)
  set(ROBOMLX_KERNEL_EXTENSIONS cu cuh)
  set(ROBOMLX_KERNEL_HEADER_DIR ${PROJECT_BINARY_DIR}/generated_private)
  set(ROBOMLX_KERNELS_CMAKE ${CMAKE_CURRENT_LIST_FILE})

  # robomlx_embed_kernels(<target> <system> <folder>): embeds <folder>/*.{cu,cuh} for <target>.
  function(robomlx_embed_kernels target system folder)
    set(patterns)
    foreach(ext ${ROBOMLX_KERNEL_EXTENSIONS})
      list(APPEND patterns ${folder}/*.${ext})
    endforeach()
    file(GLOB files CONFIGURE_DEPENDS ${patterns})
    set(headers)
    set(names)
    foreach(file ${files})
      get_filename_component(name ${file} NAME)
      string(MAKE_C_IDENTIFIER ${name} constant)
      if(constant IN_LIST names)
        message(FATAL_ERROR "[robomlx] two kernel files of ${system} embed as ${constant}")
      endif()
      list(APPEND names ${constant})
      file(RELATIVE_PATH shown ${PROJECT_SOURCE_DIR} ${file})
      set(header ${ROBOMLX_KERNEL_HEADER_DIR}/robomlx/${system}/kernels/${name}.h)
      add_custom_command(OUTPUT ${header}
        COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${header} -DNAMESPACE=robomlx::${system}::kernels
                -DSOURCE=${shown} -P ${ROBOMLX_KERNELS_CMAKE}
        DEPENDS ${file} ${ROBOMLX_KERNELS_CMAKE}
        COMMENT "Embedding ${shown}"
        VERBATIM)
      list(APPEND headers ${header})
    endforeach()
    # Sources of the target in this directory: built before its objects, rebuilt when a file changes.
    target_sources(${target} PRIVATE ${headers})
    target_include_directories(${target} PRIVATE ${ROBOMLX_KERNEL_HEADER_DIR})
  endfunction()
  return()
endif()

# Script mode: IN -> OUT.
file(READ ${IN} text)
# Drop the leading comment block: whole lines that start with //.
while(text MATCHES "^//")
  string(FIND "${text}" "\n" newline)
  if(newline EQUAL -1)
    set(text "")
  else()
    math(EXPR newline "${newline} + 1")
    string(SUBSTRING "${text}" ${newline} -1 text)
  endif()
endwhile()
string(SUBSTRING "${text}" 0 1 first)
if(NOT first STREQUAL "\n")
  message(FATAL_ERROR "${SOURCE}: the kernel text must start with an empty line after the comment block")
endif()
set(delimiter "robomlx_kernel")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SOURCE}: the text contains the raw-string delimiter )${delimiter}\"")
endif()
get_filename_component(name ${IN} NAME)
string(MAKE_C_IDENTIFIER ${name} constant)
set(header "// Generated from ${SOURCE} by cmake/robomlx_kernels.cmake: edit that file.\n")
string(APPEND header "#pragma once\n\nnamespace ${NAMESPACE} {\n\n")
string(APPEND header "// ${SOURCE} after its comment block, byte for byte.\n")
string(APPEND header "inline constexpr const char* ${constant} = R\"${delimiter}(${text})${delimiter}\";\n\n")
string(APPEND header "}  // namespace ${NAMESPACE}\n")
# Rewritten only when it changes, so editing a comment does not recompile the twin.
file(WRITE ${OUT}.tmp "${header}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
