// SPDX-License-Identifier: Apache-2.0
// Kernel-body features and the classification order. The order goes from the feature that most
// constrains the MLX route to the least: a grid-wide sync or a warp shuffle cannot be written as
// MLX ops whatever else the kernel does; shared-memory tiles want threadgroup memory; atomics want
// scatter ops; plain indexed loads are gathers.
#include "robomlx/port_scan/kernel_classes.h"

#include <algorithm>
#include <cctype>

namespace robomlx::port_scan {

const char* to_string(KernelClass c) {
  switch (c) {
    case KernelClass::elementwise: return "elementwise";
    case KernelClass::elementwise_indexed: return "elementwise indexed";
    case KernelClass::scatter_reduce: return "scatter-reduce";
    case KernelClass::blocked_scatter: return "blocked scatter";
    case KernelClass::segment_reduce: return "segment reduce";
    case KernelClass::sparse_matmul: return "sparse matmul (gather-multiply-scatter)";
    case KernelClass::warp_level: return "warp-level";
    case KernelClass::shared_tiles: return "shared-memory tiles";
    case KernelClass::cooperative_groups: return "cooperative groups (grid sync)";
    case KernelClass::cub_thrust: return "CUB / Thrust";
  }
  return "?";
}

KernelRoute kernel_route(KernelClass c) {
  switch (c) {
    case KernelClass::elementwise:
      return {Complexity::easy, "MLX ops vectorised over the launch grid (mx::compile fuses them)"};
    case KernelClass::elementwise_indexed:
      return {Complexity::easy, "gather with mx::take / array indexing, then MLX ops"};
    case KernelClass::scatter_reduce:
      return {Complexity::medium,
              "mx::scatter_add / scatter_max / scatter_min (duplicate indices accumulate); mx::custom_function for the VJP"};
    case KernelClass::blocked_scatter:
      return {Complexity::medium,
              "block loop: gather a block, compute, mx::scatter_add per block (the seed's replacement for atomic "
              "flushes); mx::custom_function VJP"};
    case KernelClass::segment_reduce:
      return {Complexity::medium,
              "segment ids from lengths (marker + cumsum repeat-interleave), then scatter-reduce; mx::custom_function VJP"};
    case KernelClass::sparse_matmul:
      return {Complexity::hard,
              "blocked gather-contract-scatter_add (mx::gather_mm where shapes allow), mx::custom_function VJP; a "
              "custom Primitive when the blocked path is too slow"};
    case KernelClass::warp_level:
      return {Complexity::hard,
              "custom Primitive with a Metal kernel using SIMD-group functions (simd_shuffle, simd_ballot): no MLX-op "
              "or plain fast::metal_kernel equivalent"};
    case KernelClass::shared_tiles:
      return {Complexity::hard,
              "fast::metal_kernel with threadgroup memory, or a custom Primitive; write the MLX-ops reference first"};
    case KernelClass::cooperative_groups:
      return {Complexity::hard, "split at each grid-wide sync into separate kernels (a custom Primitive launching them)"};
    case KernelClass::cub_thrust:
      return {Complexity::medium, "mx::sort / mx::argsort / mx::cumsum / reductions"};
  }
  return {Complexity::hard, "?"};
}

KernelFeatures& KernelFeatures::operator+=(const KernelFeatures& o) {
  atomics += o.atomics, loops += o.loops, nested_subscripts += o.nested_subscripts, products += o.products;
  shared += o.shared, warp += o.warp, grid_sync += o.grid_sync, cub_thrust += o.cub_thrust;
  segment_names += o.segment_names, index_names += o.index_names, dots += o.dots, loads += o.loads;
  reductions += o.reductions;
  return *this;
}

std::string KernelFeatures::describe() const {
  std::string s;
  auto add = [&s](bool on, const char* what) {
    if (on) s += (s.empty() ? "" : ", ") + std::string(what);
  };
  add(grid_sync > 0, "grid sync");
  add(warp > 0, "warp intrinsics");
  add(shared > 0, "shared memory");
  add(dots > 0, "tl.dot");
  add(atomics > 0, "atomics");
  add(cub_thrust > 0, "CUB/Thrust");
  add(nested_subscripts > 0, "indexed loads");
  add(segment_names > 0, "segment offsets");
  add(loops > 0, "loops");
  return s.empty() ? "plain arithmetic" : s;
}

namespace {
bool contains_ci(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a + 32 : a) == b; });  // ASCII: no locale call per byte
  return it != hay.end();
}

bool segment_like(std::string_view name) {
  for (std::string_view n : {"offset", "segment", "seg_", "indptr", "rowptr", "row_ptr", "csr", "lengths"}) {
    if (contains_ci(name, n)) return true;
  }
  return false;
}

bool index_like(std::string_view name) {
  for (std::string_view n : {"idx", "index", "indices", "nbr", "neighbor"}) {
    if (contains_ci(name, n)) return true;
  }
  return false;
}

bool is(const Token& t, std::string_view text) { return t.text == text && t.kind != TokenKind::string; }
bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
}  // namespace

KernelFeatures cuda_body_features(const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
  KernelFeatures f;
  int bracket = 0;
  std::vector<std::string_view> grids;  // variables holding this_grid() / a grid_group
  for (std::size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    const Token* next = i + 1 < end ? &tokens[i + 1] : nullptr;
    if (t.kind == TokenKind::punct) {
      if (t.text == "[") f.nested_subscripts += bracket++ > 0;
      if (t.text == "]" && bracket > 0) --bracket;
      if (t.text == "*" && i > begin && is(tokens[i - 1], "]")) ++f.products;
      continue;
    }
    if (t.kind != TokenKind::identifier) continue;
    const std::string_view w = t.text;
    if (starts(w, "atomic") && next && is(*next, "(")) ++f.atomics;
    else if (w == "for" || w == "while") ++f.loops;
    else if (w == "__shared__") ++f.shared;
    else if (starts(w, "__shfl") || starts(w, "__ballot") || w == "__any_sync" || w == "__all_sync" ||
             w == "__activemask" || starts(w, "__match_") || starts(w, "__reduce_") || w == "__syncwarp" ||
             w == "tiled_partition" || w == "thread_block_tile" || w == "coalesced_threads")
      ++f.warp;
    else if ((w == "cub" || w == "thrust") && next && is(*next, "::")) ++f.cub_thrust;
    else if (w == "this_grid" || w == "grid_group") {
      // `auto g = cg::this_grid();` / `cg::grid_group g = ...`: remember g; `this_grid().sync()` counts now.
      if (w == "grid_group" && next && next->kind == TokenKind::identifier) grids.push_back(next->text);
      for (std::size_t k = i; k > begin && i - k < 4; --k) {
        if (is(tokens[k], "=") && tokens[k - 1].kind == TokenKind::identifier) grids.push_back(tokens[k - 1].text);
      }
      if (i + 4 < end && is(tokens[i + 1], "(") && is(tokens[i + 2], ")") && is(tokens[i + 3], ".") && is(tokens[i + 4], "sync"))
        ++f.grid_sync;
    } else if (w == "sync" && i >= begin + 2 && is(tokens[i - 1], ".") &&
               std::find(grids.begin(), grids.end(), tokens[i - 2].text) != grids.end()) {
      ++f.grid_sync;
    } else {
      f.segment_names += segment_like(w);
      f.index_names += index_like(w);
    }
  }
  return f;
}

KernelFeatures triton_body_features(const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
  KernelFeatures f;
  for (std::size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    if (t.kind == TokenKind::punct && t.text == "*") ++f.products;
    if (t.kind != TokenKind::identifier) continue;
    const std::string_view w = t.text;
    const bool member = i > begin && is(tokens[i - 1], ".");
    if (w == "for" || w == "while") ++f.loops;
    else if (member && starts(w, "atomic_")) ++f.atomics;
    else if (member && w == "dot") ++f.dots;
    else if (member && w == "load") ++f.loads;
    else if (member && (w == "sum" || w == "max" || w == "min" || w == "reduce" || w == "cumsum" || w == "argmax" ||
                        w == "argmin"))
      ++f.reductions;
    else {
      f.segment_names += segment_like(w);
      f.index_names += index_like(w);
    }
  }
  return f;
}

KernelClass classify_cuda(const KernelFeatures& f) {
  if (f.grid_sync > 0) return KernelClass::cooperative_groups;
  if (f.warp > 0) return KernelClass::warp_level;
  if (f.shared > 0) return KernelClass::shared_tiles;
  if (f.atomics > 0 && f.nested_subscripts > 0 && f.products > 0) return KernelClass::sparse_matmul;
  if (f.atomics > 0 && f.loops > 0) return KernelClass::blocked_scatter;
  if (f.atomics > 0) return KernelClass::scatter_reduce;
  if (f.segment_names > 0 && f.loops > 0) return KernelClass::segment_reduce;
  if (f.cub_thrust > 0) return KernelClass::cub_thrust;
  if (f.nested_subscripts > 0) return KernelClass::elementwise_indexed;
  return KernelClass::elementwise;
}

KernelClass classify_triton(const KernelFeatures& f) {
  const bool gathers = f.index_names > 0 && f.loads >= 2;
  if (f.atomics > 0 && (f.dots > 0 || (gathers && f.products > 0 && f.loops > 0))) return KernelClass::sparse_matmul;
  if (f.dots > 0) return KernelClass::shared_tiles;
  if (f.atomics > 0 && f.loops > 0) return KernelClass::blocked_scatter;
  if (f.atomics > 0) return KernelClass::scatter_reduce;
  if (f.segment_names > 0 && (f.loops > 0 || f.reductions > 0)) return KernelClass::segment_reduce;
  if (gathers) return KernelClass::elementwise_indexed;
  return KernelClass::elementwise;
}

}  // namespace robomlx::port_scan
