// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/device.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <variant>

#include <mlx/backend/cuda/cuda.h>
#include <mlx/backend/metal/metal.h>
#include <mlx/compile.h>
#include <mlx/device.h>

#include "robomlx/core/error.h"

namespace robomlx {

DeviceChoice parse_device_choice(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "auto") return DeviceChoice::Auto;
  if (s == "cpu") return DeviceChoice::Cpu;
  if (s == "gpu") return DeviceChoice::Gpu;
  throw std::invalid_argument("[core.device] device must be one of auto, cpu, gpu, got '" +
                              std::string(text) + "'");
}

const char* to_string(DeviceChoice choice) {
  switch (choice) {
    case DeviceChoice::Cpu: return "cpu";
    case DeviceChoice::Gpu: return "gpu";
    default: return "auto";
  }
}

DeviceChoice device_choice_from_env() {
  const char* env = std::getenv("ROBOMLX_DEVICE");
  if (env == nullptr || *env == '\0') return DeviceChoice::Auto;
  try {
    return parse_device_choice(env);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(
        std::string("[core.device] ROBOMLX_DEVICE must be one of auto, cpu, gpu, got '") + env + "'");
  }
}

BackendReport probe_backends() {
  BackendReport r;
  r.cuda_compiled = mx::cu::is_available();
  r.metal_compiled = mx::metal::is_available();
  r.gpu_count = mx::device_count(mx::Device::gpu);
  if (r.gpu_count > 0) {
    const auto& info = mx::device_info(mx::Device(mx::Device::gpu, 0));
    auto it = info.find("device_name");
    if (it != info.end() && std::holds_alternative<std::string>(it->second)) {
      r.gpu_name = std::get<std::string>(it->second);
    }
  }
  return r;
}

std::string BackendReport::summary() const {
  std::string s;
  if (cuda_compiled) s += "CUDA backend compiled in";
  if (metal_compiled) s += std::string(s.empty() ? "" : ", ") + "Metal backend compiled in";
  if (s.empty()) s = "no GPU backend compiled in (CPU-only MLX build)";
  s += ", " + std::to_string(gpu_count) + " usable GPU" + (gpu_count == 1 ? "" : "s");
  if (!gpu_name.empty()) s += " (" + gpu_name + ")";
  return s;
}

bool gpu_usable() { return mx::is_available(mx::Device(mx::Device::gpu, 0)); }

mx::Device resolve_device(DeviceChoice choice) {
  switch (choice) {
    case DeviceChoice::Cpu: return mx::Device(mx::Device::cpu);
    case DeviceChoice::Gpu:
      if (!gpu_usable()) {
        throw UnsupportedBackendError("[core.device] --device gpu requested but MLX has no usable GPU: " +
                                      probe_backends().summary() + "; use --device cpu or auto");
      }
      return mx::Device(mx::Device::gpu, 0);
    default:
      return gpu_usable() ? mx::Device(mx::Device::gpu, 0) : mx::Device(mx::Device::cpu);
  }
}

mx::Device use_device(DeviceChoice choice) {
  mx::Device d = resolve_device(choice);
  mx::set_default_device(d);
  return d;
}

void apply_cpu_fusion_env(const mx::Device& device) {
  const char* env = std::getenv("ROBOMLX_CPU_FUSE");
  if (!env) return;
  const std::string_view fuse(env);
  if (fuse != "0" && fuse != "1") {
    static std::once_flag warned;  // as the other ROBOMLX_* knobs: a bad value is said once, then ignored
    std::call_once(warned, [&] {
      std::cerr << "robomlx: ROBOMLX_CPU_FUSE='" << fuse << "' is not 0 or 1: ignored\n";
    });
    return;
  }
  if (device.type == mx::Device::cpu && fuse == "0") mx::set_compile_mode(mx::CompileMode::no_fuse);
}

std::string describe_device(const mx::Device& device) {
  if (device.type == mx::Device::cpu) return "cpu";
  std::string s = "gpu:" + std::to_string(device.index);
  const auto& info = mx::device_info(device);
  auto it = info.find("device_name");
  if (it != info.end() && std::holds_alternative<std::string>(it->second)) {
    s += " (" + std::get<std::string>(it->second) + ")";
  }
  return s;
}

}  // namespace robomlx
