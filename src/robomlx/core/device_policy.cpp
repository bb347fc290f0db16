// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/device_policy.h"

#include <cstdlib>
#include <iostream>

#include <mlx/backend/cuda/cuda.h>
#include <mlx/backend/metal/metal.h>

namespace robomlx {

const char* to_string(Workload w) {
  switch (w) {
    case Workload::depth_filters: return "depth filters";
    case Workload::stereo_matching: return "stereo matching";
    case Workload::sparse_ops: return "sparse ops";
    case Workload::training: return "training";
    default: return "general";
  }
}

Capabilities probe_capabilities() {
  Capabilities caps;
  bool gpu = gpu_usable();
  caps.cuda_gpu = gpu && mx::cu::is_available();
  caps.metal_gpu = gpu && mx::metal::is_available();
  caps.unified_memory = caps.metal_gpu;  // every Metal device MLX supports is Apple Silicon
  return caps;
}

bool has_metal_twins(Workload) { return false; }

AutoPick auto_device(Workload w, const Capabilities& caps) {
  const mx::Device gpu(mx::Device::gpu, 0), cpu(mx::Device::cpu);
  if (caps.cuda_gpu) return {gpu, "a CUDA GPU runs the CUDA twins and MLX's own kernels"};
  if (caps.metal_gpu) {
    bool recursive = w == Workload::depth_filters || w == Workload::stereo_matching || w == Workload::sparse_ops;
    if (!recursive) return {gpu, "Metal GPU: dense MLX work runs on MLX's own Metal kernels"};
    if (has_metal_twins(w)) return {gpu, "Metal GPU with Metal twins for this work"};
    return {cpu, std::string("no Metal twins for ") + to_string(w) +
                     ": the CPU twins on unified memory beat the portable path's per-line GPU launches"};
  }
  return {cpu, "no usable GPU"};
}

mx::Device resolve_device_for(DeviceChoice choice, Workload w) {
  if (choice != DeviceChoice::Auto) return resolve_device(choice);
  AutoPick pick = auto_device(w, probe_capabilities());
  const char* env = std::getenv("ROBOMLX_LOG_IMPL");
  if (env != nullptr && *env != '\0' && std::string(env) != "0") {
    std::cerr << "[robomlx.device] auto -> " << (pick.device.type == mx::Device::cpu ? "cpu" : "gpu") << " for "
              << to_string(w) << ": " << pick.why << "\n";
  }
  return pick.device;
}

}  // namespace robomlx
