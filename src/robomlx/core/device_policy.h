// SPDX-License-Identifier: Apache-2.0
// What `--device auto` picks for a command: the device whose implementations run its work fastest,
// not merely the first GPU. A command names its workload; the policy looks at what this machine's
// MLX can run (probe_capabilities) and at which twins the workload's ops have, and answers with a
// device and a one-line reason (printed with ROBOMLX_LOG_IMPL=1).
//
// The table (sources: docs/auto-device.md, from the benchmarks in docs/results):
//   CUDA GPU present            -> GPU: every workload has CUDA twins or MLX's own GPU kernels.
//   Metal GPU, no Metal twins   -> CPU for workloads built from per-line recursions and gathers
//                                  (depth filters, SGM, sparse ops): their portable MLX path costs
//                                  hundreds of small launches a frame, while the CPU twins read the
//                                  same unified memory; GPU for dense MLX work (training, matmul).
//   no usable GPU               -> CPU.
// `--device gpu` and `--device cpu` are never overridden.
#pragma once

#include <string>

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
};

Capabilities probe_capabilities();

/// Whether the workload's ops have twins for Metal GPUs (none do yet: Metal twins are unverified
/// on Apple hardware and are not selected by auto).
bool has_metal_twins(Workload w);

struct AutoPick {
  mx::Device device;
  std::string why;
};

/// The device `auto` picks for `w` on a machine with `caps`.
AutoPick auto_device(Workload w, const Capabilities& caps);

/// resolve_device for a command: Auto goes through auto_device, Cpu/Gpu as resolve_device does.
/// Logs the choice and the reason when ROBOMLX_LOG_IMPL is set.
mx::Device resolve_device_for(DeviceChoice choice, Workload w);

}  // namespace robomlx
