// SPDX-License-Identifier: Apache-2.0
// Internal: GPU twins written once for CUDA and Metal.
// A kernel file (src/robomlx/<system>/kernels/*.cu, *.cuh) is written in the kernel dialect
// (docs/kernels.md) and embedded as a KernelText, one text per backend
// (cmake/robomlx_kernels.cmake). GpuKernel builds fast::cuda_kernel or fast::metal_kernel from it
// for the stream's device, with the dialect's prelude first in the header, and launches both
// with the same arguments, so one *_gpu.cpp serves CUDA and Metal streams.
//
// Metal twins are UNVERIFIED on Apple hardware (no Mac in CI; their text is compile-checked by
// clang against a stub, ctest kernels.metal_clang). So: the first launch of each kernel instance
// on Metal is evaluated at once; if it fails (a compile error surfaces there), GpuKernel throws
// MetalKernelError, the op's try_metal_twin logs once and runs the portable path, and that op
// never tries its Metal twin again (metal_twin_usable). Automatic dispatch picks a Metal twin only
// when ROBOMLX_METAL_TWINS=1 (core/dispatch.cpp); forcing (ScopedImpl, ROBOMLX_IMPL=metal) runs it.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <mlx/array.h>
#include <mlx/fast.h>
#include <mlx/stream.h>

#include "robomlx/core/dispatch.h"

namespace robomlx {

namespace mx = mlx::core;

/// One kernel file's text for each backend (empty for a backend-only file).
struct KernelText {
  const char* cuda;
  const char* metal;
};

using TemplateArgs = std::vector<std::pair<std::string, mx::fast::TemplateArg>>;
using Dim3 = std::tuple<int, int, int>;

/// A Metal kernel failed on its first launch (compile error, or any error of that evaluation).
class MetalKernelError : public std::runtime_error {
 public:
  MetalKernelError(std::string kernel, const std::string& what)
      : std::runtime_error(what), kernel_(std::move(kernel)) {}
  const std::string& kernel() const { return kernel_; }

 private:
  std::string kernel_;
};

/// fast::cuda_kernel / fast::metal_kernel from one dialect body (MLX generates the signature from
/// the names: inputs, their `_shape` when the body mentions it, outputs, template arguments).
class GpuKernel {
 public:
  GpuKernel(std::string name, std::vector<std::string> inputs, std::vector<std::string> outputs, KernelText body,
            std::vector<KernelText> headers = {}, bool ensure_row_contiguous = true);

  /// Launches on `s`, a CUDA or Metal GPU stream (else std::runtime_error). `grid` counts threads
  /// (as in MLX); it is rounded up to whole groups on both backends, so every group is full and
  /// bodies bounds-check. Inputs must have at least one dimension (Metal passes 0-d inputs by
  /// reference, which the dialect does not model). `init` fills every output (else uninitialised).
  std::vector<mx::array> operator()(const std::vector<mx::array>& inputs, const std::vector<mx::Shape>& output_shapes,
                                    const std::vector<mx::Dtype>& output_dtypes, Dim3 grid, Dim3 group,
                                    const TemplateArgs& template_args, std::optional<float> init, mx::Stream s) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<std::string> inputs_, outputs_;
  KernelText body_;
  std::vector<KernelText> headers_;
  bool contiguous_;
  mutable std::once_flag cuda_once_, metal_once_;
  mutable mx::fast::CustomKernelFunction cuda_, metal_;
};

/// False once op `tag`'s Metal twin has failed (then the op runs its portable path on Metal).
bool metal_twin_usable(std::string_view tag);

namespace detail {
/// Records that op `tag`'s Metal twin failed in `e.kernel()`; logs it to stderr once per kernel.
void metal_twin_failed(std::string_view tag, const MetalKernelError& e);
/// Runs `check` (which evaluates a Metal kernel's first launch) once per instance `key`; a
/// failure becomes MetalKernelError(kernel, what) and leaves the instance unverified.
void metal_first_use(const std::string& key, const std::string& kernel, const std::function<void()>& check);
/// Forgets every failure and verified instance (tests).
void reset_metal_registry();
}  // namespace detail

/// Runs op `tag`'s Metal twin; nullopt when one of its kernels failed (logged), so the op runs its
/// portable path. Other errors propagate, and so does the failure while a ScopedImpl strictly
/// forces the Metal twin (a test of the twin must fail, not pass on the portable path).
template <typename Twin>
std::optional<std::invoke_result_t<Twin>> try_metal_twin(std::string_view tag, Twin&& twin) {
  try {
    return std::forward<Twin>(twin)();
  } catch (const MetalKernelError& e) {
    detail::metal_twin_failed(tag, e);
    if (strictly_forced(Impl::metal, tag)) throw;
    return std::nullopt;
  }
}

}  // namespace robomlx
