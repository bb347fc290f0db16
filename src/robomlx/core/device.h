// SPDX-License-Identifier: Apache-2.0
// The one way robomlx chooses its compute device (--device auto|cpu|gpu, ROBOMLX_DEVICE).
//
// "auto" picks the GPU only when MLX has a *usable* one: a backend compiled in (CUDA or Metal)
// is not enough, a device must also be present (mx::is_available(Device(gpu))). Asking for "gpu"
// where none is usable throws UnsupportedBackendError saying what was found.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <mlx/device.h>

namespace robomlx {

namespace mx = mlx::core;

enum class DeviceChoice { Auto, Cpu, Gpu };

/// Parses "auto", "cpu" or "gpu" (case-insensitive); throws std::invalid_argument otherwise.
DeviceChoice parse_device_choice(std::string_view text);

const char* to_string(DeviceChoice choice);

/// The choice from ROBOMLX_DEVICE, or Auto when unset or empty.
DeviceChoice device_choice_from_env();

/// What this process's MLX can do, for messages and `robomlx info`.
struct BackendReport {
  bool cuda_compiled = false;   // the CUDA backend is linked in (says nothing about a GPU)
  bool metal_compiled = false;  // the Metal backend is linked in
  int gpu_count = 0;            // GPUs MLX can actually use
  std::string gpu_name;         // name of GPU 0 when gpu_count > 0
  /// One line: "CUDA backend compiled in, 0 usable GPUs" and the like.
  std::string summary() const;
};

BackendReport probe_backends();

/// True when MLX has at least one usable GPU.
bool gpu_usable();

/// Resolves a choice to a concrete device; throws UnsupportedBackendError for Gpu without one.
mx::Device resolve_device(DeviceChoice choice);

/// Resolves and makes the device MLX's process-wide default. Call once at startup, before other
/// threads create arrays (set_default_device is process-global).
mx::Device use_device(DeviceChoice choice);

/// ROBOMLX_CPU_FUSE=0 with a CPU device: compiled graphs are traced and simplified but their ops
/// run one by one instead of being fused. MLX fuses on the CPU by running g++ once per new kernel
/// (seconds each on first use, cached on disk after), which a short run or a machine without g++
/// may not want. Unset, 1, or with a GPU device: no change; another value is reported once on
/// stderr and ignored. Same ops either way.
void apply_cpu_fusion_env(const mx::Device& device);

/// "cpu" or "gpu:0 (NVIDIA H100 80GB HBM3)".
std::string describe_device(const mx::Device& device);

}  // namespace robomlx
