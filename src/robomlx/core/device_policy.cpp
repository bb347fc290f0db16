// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/device_policy.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <mlx/backend/cuda/cuda.h>
#include <mlx/backend/metal/metal.h>

namespace robomlx {

namespace {
bool env_on(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

bool table_driven(Workload w) {
  return w == Workload::depth_filters || w == Workload::stereo_matching || w == Workload::sparse_ops;
}

std::optional<PathCost> cost_of(Workload w, Path p, std::span<const PathCost> table) {
  for (const auto& c : table)
    if (c.workload == w && c.path == p) return c;
  return std::nullopt;
}

std::string describe(const PathCost& c) {
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3g ms", c.ms);
  return std::string(to_string(c.path)) + " " + ms + " (" + c.machine + ", " + c.source + ")";
}
}  // namespace

const char* to_string(Workload w) {
  switch (w) {
    case Workload::depth_filters: return "depth filters";
    case Workload::stereo_matching: return "stereo matching";
    case Workload::sparse_ops: return "sparse ops";
    case Workload::training: return "training";
    default: return "general";
  }
}

const char* to_string(Path p) {
  switch (p) {
    case Path::cuda_twins: return "CUDA twins";
    case Path::metal_twins: return "Metal twins";
    case Path::portable_gpu: return "portable path on the GPU";
    default: return "CPU twins";
  }
}

mx::Device device_of(Path p) { return p == Path::cpu_twins ? mx::Device(mx::Device::cpu) : mx::Device(mx::Device::gpu, 0); }

Capabilities probe_capabilities() {
  Capabilities caps;
  bool gpu = gpu_usable();
  caps.cuda_gpu = gpu && mx::cu::is_available();
  caps.metal_gpu = gpu && mx::metal::is_available();
  caps.unified_memory = caps.metal_gpu;  // every Metal device MLX supports is Apple Silicon
  caps.metal_twins_verified = caps.metal_gpu && env_on("ROBOMLX_METAL_TWINS");
  return caps;
}

bool has_metal_twins(Workload w, const Capabilities& caps) {
  return table_driven(w) && caps.metal_gpu && caps.metal_twins_verified;
}

std::vector<Path> available_paths(Workload w, const Capabilities& caps) {
  std::vector<Path> paths;
  if (caps.cuda_gpu) paths.push_back(Path::cuda_twins);
  if (has_metal_twins(w, caps)) paths.push_back(Path::metal_twins);
  if (caps.cuda_gpu || caps.metal_gpu) paths.push_back(Path::portable_gpu);
  paths.push_back(Path::cpu_twins);
  return paths;
}

AutoPick auto_device(Workload w, const Capabilities& caps, std::span<const PathCost> table) {
  const mx::Device gpu(mx::Device::gpu, 0), cpu(mx::Device::cpu);
  if (!caps.cuda_gpu && !caps.metal_gpu) return {cpu, "no usable GPU"};
  if (!table_driven(w)) return {gpu, "dense MLX work runs on MLX's own GPU kernels"};
  std::optional<PathCost> best;
  std::string unmeasured;
  for (Path p : available_paths(w, caps)) {
    auto c = cost_of(w, p, table);
    if (!c) {
      unmeasured += std::string(unmeasured.empty() ? "" : ", ") + to_string(p);
      continue;
    }
    if (!best || c->ms < best->ms) best = c;
  }
  if (!best) return {caps.cuda_gpu ? gpu : cpu, std::string("no measured cost for ") + to_string(w)};
  std::string why = std::string(to_string(w)) + ", " + best->reference_case + ": " + describe(*best);
  for (Path p : available_paths(w, caps)) {
    auto c = cost_of(w, p, table);
    if (c && p != best->path) why += "; beats " + describe(*c);
  }
  if (!unmeasured.empty()) why += "; not measured, not picked: " + unmeasured;
  return {device_of(best->path), why};
}

mx::Device resolve_device_for(DeviceChoice choice, Workload w) {
  if (choice != DeviceChoice::Auto) return resolve_device(choice);
  AutoPick pick = auto_device(w, probe_capabilities());
  if (env_on("ROBOMLX_LOG_IMPL")) {
    std::cerr << "[robomlx.device] auto -> " << (pick.device.type == mx::Device::cpu ? "cpu" : "gpu") << " for "
              << to_string(w) << ": " << pick.why << "\n";
  }
  return pick.device;
}

}  // namespace robomlx
