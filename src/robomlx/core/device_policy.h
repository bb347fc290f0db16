// SPDX-License-Identifier: Apache-2.0
// What `--device auto` picks for a command: the device whose implementations run its work fastest,
// not merely the first GPU. A command names its workload; the policy looks at what this machine's
// MLX can run (probe_capabilities), lists the ways the workload's ops can run here (Path), and
// picks the cheapest by a cost table of measured times (device_costs.cpp: every number names the
// benchmark row and docs/results file it comes from). The answer is a device and a one-line reason
// (printed with ROBOMLX_LOG_IMPL=1, shown by `robomlx info`).
//
// Dense MLX work (general, training) has no table: MLX's own GPU kernels serve it on every GPU
// backend, so a usable GPU wins. `--device gpu` and `--device cpu` are never overridden.
// docs/auto-device.md explains the table and its limits (the costs are proxies measured on other
// machines, chosen to rank the paths, not to predict a Mac's times).
#pragma once

#include <span>
#include <string>
#include <vector>

#include <mlx/device.h>

#include "robomlx/core/device.h"

namespace robomlx {

/// The kind of work a command runs.
enum class Workload {
  general,          // MLX's own ops (matmul, conv, elementwise): fast on every GPU
  depth_filters,    // RealSense processing blocks (line recursions, gathers)
  stereo_matching,  // census + SGM path aggregation + selection
  sparse_ops,       // MVMR / VVOR / segment reductions / neighbour search
  training,         // gradient steps of MLX models (dense layers dominate)
};

const char* to_string(Workload w);

/// What this process's MLX can run on.
struct Capabilities {
  bool cuda_gpu = false;        // a usable CUDA GPU
  bool metal_gpu = false;       // a usable Metal GPU
  bool unified_memory = false;  // CPU and GPU share memory (Apple Silicon)
  bool metal_twins_verified = false;  // Metal twins count for auto (see has_metal_twins)
};

Capabilities probe_capabilities();

/// Whether the workload's ops have Metal twins that auto may pick. The Metal twins exist (one source
/// with the CUDA twins) but are unverified on Apple hardware, so auto leaves them out until
/// ROBOMLX_METAL_TWINS=1 says they have been checked on this Mac; `--device gpu` runs them anyway.
bool has_metal_twins(Workload w, const Capabilities& caps);

/// One way a workload's ops run.
enum class Path {
  cuda_twins,    // fast::cuda_kernel twins on a CUDA GPU
  metal_twins,   // fast::metal_kernel twins on a Metal GPU
  portable_gpu,  // the MLX-ops portable path on the GPU (what an Apple GPU runs without twins)
  cpu_twins,     // threaded eval_cpu twins on the CPU
};

const char* to_string(Path p);
mx::Device device_of(Path p);

/// The measured time of a workload's reference case run one way, and where it was measured.
struct PathCost {
  Workload workload;
  Path path;
  double ms;
  const char* reference_case;  // the benchmark row, e.g. "standard chain 1280x720"
  const char* machine;         // e.g. "H100", "2-core x86 VM"
  const char* source;          // the docs/results file the number comes from
};

/// The shipped table (device_costs.cpp).
std::span<const PathCost> cost_table();

/// The paths a workload's ops can take on a machine with `caps`.
std::vector<Path> available_paths(Workload w, const Capabilities& caps);

struct AutoPick {
  mx::Device device;
  std::string why;
};

/// The device `auto` picks for `w` on a machine with `caps`, by `table` (the shipped one by default).
AutoPick auto_device(Workload w, const Capabilities& caps, std::span<const PathCost> table);
inline AutoPick auto_device(Workload w, const Capabilities& caps) { return auto_device(w, caps, cost_table()); }

/// resolve_device for a command: Auto goes through auto_device, Cpu/Gpu as resolve_device does.
/// Logs the choice and the reason when ROBOMLX_LOG_IMPL is set.
mx::Device resolve_device_for(DeviceChoice choice, Workload w);

}  // namespace robomlx
