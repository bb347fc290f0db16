// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/gpu_kernel_internal.h"

#include <iostream>
#include <set>
#include <sstream>
#include <variant>

#include <mlx/transforms.h>
#include <mlx/utils.h>

#include "robomlx/core/dispatch.h"

#include "robomlx/core/kernels/prelude_cuda.cuh.h"
#include "robomlx/core/kernels/prelude_metal.cuh.h"

namespace robomlx {

namespace {

struct MetalRegistry {
  std::mutex mutex;
  std::set<std::string, std::less<>> failed_ops, logged_kernels, verified;
};

MetalRegistry& registry() {
  static MetalRegistry r;
  return r;
}

int round_up(int n, int step) { return step > 0 ? (n + step - 1) / step * step : n; }

// MLX compiles one Metal library per kernel name, template values, dtypes and address space of
// each input (fewer than 8 elements: `constant`); each such instance is checked once.
std::string instance_key(const std::string& name, const TemplateArgs& args, const std::vector<mx::array>& inputs,
                         const std::vector<mx::Dtype>& outputs) {
  std::ostringstream key;
  key << name;
  for (const auto& [arg, value] : args) {
    key << '_' << arg << '=';
    if (const int* i = std::get_if<int>(&value)) key << *i;
    else if (const bool* b = std::get_if<bool>(&value)) key << *b;
    else key << std::get<mx::Dtype>(value);
  }
  for (const auto& x : inputs) key << '_' << x.dtype() << (x.size() < 8 ? "c" : "");
  for (const auto& d : outputs) key << '_' << d;
  return key.str();
}

}  // namespace

GpuKernel::GpuKernel(std::string name, std::vector<std::string> inputs, std::vector<std::string> outputs,
                     KernelText body, std::vector<KernelText> headers, bool ensure_row_contiguous)
    : name_(std::move(name)),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)),
      body_(body),
      headers_(std::move(headers)),
      contiguous_(ensure_row_contiguous) {}

std::vector<mx::array> GpuKernel::operator()(const std::vector<mx::array>& inputs,
                                             const std::vector<mx::Shape>& output_shapes,
                                             const std::vector<mx::Dtype>& output_dtypes, Dim3 grid, Dim3 group,
                                             const TemplateArgs& template_args, std::optional<float> init,
                                             mx::Stream s) const {
  for (const auto& x : inputs)
    if (x.ndim() == 0) throw std::invalid_argument("[core.gpu_kernel] " + name_ + ": a 0-d input (pass shape {1})");
  auto [gx, gy, gz] = grid;
  auto [tx, ty, tz] = group;
  const Dim3 whole{round_up(gx, tx), round_up(gy, ty), round_up(gz, tz)};
  const bool cuda = is_cuda_device(s.device);
  if (!cuda && !is_metal_device(s.device))
    throw std::runtime_error("[core.gpu_kernel] " + name_ + " needs a CUDA or Metal GPU stream");
  auto header = [&](bool for_cuda) {
    std::string text = for_cuda ? core::kernels::prelude_cuda_cuh.cuda : core::kernels::prelude_metal_cuh.metal;
    for (const auto& h : headers_) text += for_cuda ? h.cuda : h.metal;
    return text;
  };
  // verbose = false: true makes MLX print the generated source on every call.
  if (cuda) {
    std::call_once(cuda_once_, [&] {
      cuda_ = mx::fast::cuda_kernel(name_, inputs_, outputs_, body_.cuda, header(true), contiguous_);
    });
    return cuda_(inputs, output_shapes, output_dtypes, whole, group, template_args, init, false, s);
  }
  std::call_once(metal_once_, [&] {
    metal_ = mx::fast::metal_kernel(name_, inputs_, outputs_, body_.metal, header(false), contiguous_);
  });
  auto outs = metal_(inputs, output_shapes, output_dtypes, whole, group, template_args, init, false, s);
  // Under a transform (compile, vmap, grad) the outputs are tracers, which eval must not run: the
  // instance is checked at its first launch outside one.
  if (!outs[0].is_tracer())
    detail::metal_first_use(instance_key(name_, template_args, inputs, output_dtypes), name_,
                            [&] { mx::eval(outs); });
  return outs;
}

bool metal_twin_usable(std::string_view tag) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.failed_ops.find(tag) == r.failed_ops.end();
}

namespace detail {

void metal_twin_failed(std::string_view tag, const MetalKernelError& e) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.failed_ops.emplace(tag);
  if (r.logged_kernels.emplace(e.kernel()).second)
    std::cerr << "[robomlx.metal] " << e.kernel() << " failed to compile, using the portable path: " << e.what()
              << "; please report with `robomlx info` output" << std::endl;
}

void metal_first_use(const std::string& key, const std::string& kernel, const std::function<void()>& check) {
  auto& r = registry();
  {
    std::lock_guard lock(r.mutex);
    if (r.verified.count(key)) return;
  }
  try {
    check();
  } catch (const std::exception& e) {
    throw MetalKernelError(kernel, e.what());
  }
  std::lock_guard lock(r.mutex);
  r.verified.insert(key);
}

void reset_metal_registry() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.failed_ops.clear();
  r.logged_kernels.clear();
  r.verified.clear();
}

}  // namespace detail

}  // namespace robomlx
