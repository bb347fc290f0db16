// SPDX-License-Identifier: Apache-2.0
// GPU kernels classified by what their bodies do, as the seed's kernel table does ("classify each
// kernel before porting"), each class with its MLX route. CUDA `__global__` functions and Triton
// `@triton.jit` functions are found from tokens; a kernel's features include those of the
// `__device__` helpers it calls in the same file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "robomlx/port_scan/scan_finding.h"
#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan {

enum class KernelClass : std::uint8_t {
  elementwise,         // out[i] = f(a[i])
  elementwise_indexed, // out[i] = f(a[idx[i]])
  scatter_reduce,      // atomicAdd(out + idx[i], v)
  blocked_scatter,     // a loop over a tile with atomic flushes
  segment_reduce,      // per-segment sum / mean / max from offsets, no atomics
  sparse_matmul,       // gather-multiply-scatter with atomics
  warp_level,          // __shfl*_sync, __ballot_sync, tiled partitions
  shared_tiles,        // __shared__ tiles (and Triton tl.dot blocks)
  cooperative_groups,  // grid-wide sync
  cub_thrust,          // CUB / Thrust device calls
};

const char* to_string(KernelClass c);  // "scatter-reduce", "warp-level"...

struct KernelRoute {
  Complexity complexity;
  std::string_view route;  // the MLX route: ops, custom_function VJP, fast::metal_kernel, Primitive
};
KernelRoute kernel_route(KernelClass c);

/// What the classifier counts in a kernel body.
struct KernelFeatures {
  int atomics = 0, loops = 0, nested_subscripts = 0, products = 0, shared = 0, warp = 0, grid_sync = 0,
      cub_thrust = 0, segment_names = 0, index_names = 0, dots = 0, loads = 0, reductions = 0;
  KernelFeatures& operator+=(const KernelFeatures& o);
  /// "atomics, shared memory, loop" for reports: the features that decided or qualify the class.
  std::string describe() const;
};

KernelFeatures cuda_body_features(const std::vector<Token>& tokens, std::size_t begin, std::size_t end);
KernelFeatures triton_body_features(const std::vector<Token>& tokens, std::size_t begin, std::size_t end);
KernelClass classify_cuda(const KernelFeatures& f);
KernelClass classify_triton(const KernelFeatures& f);

struct KernelSite {
  std::size_t name_token = 0;  // the kernel's name
  std::string name;
  bool triton = false;
  KernelClass kernel_class = KernelClass::elementwise;
  KernelFeatures features;
};

/// Every CUDA __global__ function with a body (C/C++/CUDA files) or @triton.jit function (Python).
std::vector<KernelSite> find_kernels(Language language, const std::vector<Token>& tokens);

}  // namespace robomlx::port_scan
