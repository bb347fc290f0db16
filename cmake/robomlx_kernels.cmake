# SPDX-License-Identifier: Apache-2.0
# Kernel sources as files, written once for CUDA and Metal. Every src/robomlx/<system>/kernels/
# <name>.cu (a kernel body) and <name>.cuh (helpers for a kernel's header) is written in robomlx's
# kernel dialect (docs/kernels.md): CUDA-like C++ with RM_ tokens (cmake/robomlx_kernel_dialect.txt)
# and rm_ functions (the preludes, core/kernels/prelude_cuda.cuh and prelude_metal.cuh). At build
# time each file becomes a private generated header,
# build/generated_private/robomlx/<system>/kernels/<name>.h, which defines
#   namespace robomlx::<system>::kernels { inline constexpr KernelText <name>{"<CUDA>", "<Metal>"}; }
# (<name> with . as _, e.g. scan_chunks_cu): the tokens replaced by each backend's text. Twins hand
# them to GpuKernel (core/gpu_kernel_internal.h), which builds fast::cuda_kernel or
# fast::metal_kernel. Files named *_cuda.cuh / *_metal.cuh (the preludes) are one backend's text
# only; the other's is empty.
#
# A kernel file is a comment block (SPDX line, what the kernel computes, its inputs, outputs,
# template constants and launch), then the text, which starts with an empty line: MLX wraps it in
# the signature it generates and looks for `<input>_shape` (and, on Metal, thread-position
# attribute names) in it, so the text, not the file, is what runs.
# tests/cuda_emu/kernels.py does the same translation for the kernel checks (keep the two in step).
# These headers are never installed: their folder is a PRIVATE include directory of robomlx.
#
# Two roles: included from CMakeLists, it defines robomlx_embed_kernels(); run with
# cmake -DIN=<file> -DOUT=<header> -DNAMESPACE=<ns> -DSOURCE=<path shown> -DDIALECT=<table> -P,
# it writes one header.

if(NOT CMAKE_SCRIPT_MODE_FILE)
  set(ROBOMLX_KERNEL_EXTENSIONS cu cuh)
  set(ROBOMLX_KERNEL_HEADER_DIR ${PROJECT_BINARY_DIR}/generated_private)
  set(ROBOMLX_KERNELS_CMAKE ${CMAKE_CURRENT_LIST_FILE})
  get_filename_component(ROBOMLX_KERNEL_DIALECT ${CMAKE_CURRENT_LIST_DIR}/robomlx_kernel_dialect.txt ABSOLUTE)

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
                -DSOURCE=${shown} -DDIALECT=${ROBOMLX_KERNEL_DIALECT} -P ${ROBOMLX_KERNELS_CMAKE}
        DEPENDS ${file} ${ROBOMLX_KERNELS_CMAKE} ${ROBOMLX_KERNEL_DIALECT}
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
cmake_minimum_required(VERSION 3.25)  # policies for script mode (CMP0007: lists keep empty elements)
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
get_filename_component(name ${IN} NAME)

# The dialect: TOKEN|CUDA|Metal[|body] lines; replaced longest token first (RM_THREAD_IDX before
# RM_THREAD). Every RM_ identifier of the file must be a token; `body` tokens (thread indices) are
# not allowed in a header (.cuh): MLX finds Metal attribute names in the body only.
file(STRINGS ${DIALECT} rows REGEX "^RM_")
set(keyed)
set(tokens)
foreach(row ${rows})
  string(REPLACE "|" ";" fields "${row}")
  list(GET fields 0 token)
  string(LENGTH "${token}" length)
  math(EXPR key "1000 - ${length}")  # ascending sort of 1000 - length: longest first
  list(APPEND keyed "${key}|${row}")
  list(APPEND tokens ${token})
endforeach()
list(SORT keyed)
string(REGEX MATCHALL "RM_[A-Z0-9_]+" used "${text}")
list(REMOVE_DUPLICATES used)
foreach(token ${used})
  if(NOT token IN_LIST tokens)
    message(FATAL_ERROR "${SOURCE}: ${token} is not a token of the kernel dialect (${DIALECT})")
  endif()
endforeach()
set(cuda "${text}")
set(metal "${text}")
foreach(entry ${keyed})
  string(REGEX REPLACE "^[0-9]+\\|" "" row "${entry}")
  string(REPLACE "|" ";" fields "${row}")
  list(LENGTH fields n)
  list(GET fields 0 token)
  list(GET fields 1 cuda_text)
  list(GET fields 2 metal_text)
  if(n GREATER 3 AND name MATCHES "\\.cuh$")
    string(FIND "${text}" "${token}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${SOURCE}: ${token} belongs in a kernel body, not a header (pass the index as an argument)")
    endif()
  endif()
  string(REPLACE "${token}" "${cuda_text}" cuda "${cuda}")
  string(REPLACE "${token}" "${metal_text}" metal "${metal}")
endforeach()
# The preludes are one backend's text each.
if(name MATCHES "_cuda\\.cuh$")
  set(metal "")
elseif(name MATCHES "_metal\\.cuh$")
  set(cuda "")
endif()

set(delimiter "robomlx_kernel")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SOURCE}: the text contains the raw-string delimiter )${delimiter}\"")
endif()
string(MAKE_C_IDENTIFIER ${name} constant)
set(header "// Generated from ${SOURCE} by cmake/robomlx_kernels.cmake: edit that file.\n")
string(APPEND header "#pragma once\n\n#include \"robomlx/core/gpu_kernel_internal.h\"\n\n")
string(APPEND header "namespace ${NAMESPACE} {\n\n")
string(APPEND header "// ${SOURCE} after its comment block, the dialect's tokens replaced for CUDA and for Metal.\n")
string(APPEND header "inline constexpr ::robomlx::KernelText ${constant}{\n")
string(APPEND header "    R\"${delimiter}(${cuda})${delimiter}\",\n")
string(APPEND header "    R\"${delimiter}(${metal})${delimiter}\"};\n\n")
string(APPEND header "}  // namespace ${NAMESPACE}\n")
# Rewritten only when it changes, so editing a comment does not recompile the twin.
file(WRITE ${OUT}.tmp "${header}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
