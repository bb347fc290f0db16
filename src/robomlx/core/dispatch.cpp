// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/dispatch.h"

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include <mlx/backend/cuda/cuda.h>
#include <mlx/backend/metal/metal.h>

namespace robomlx {

namespace {
std::optional<Impl>& scoped_override() {
  static std::optional<Impl> value;
  return value;
}

std::optional<Impl> env_impl() {
  const char* env = std::getenv("ROBOMLX_IMPL");
  if (env == nullptr || *env == '\0') return std::nullopt;
  std::string s(env);
  if (s == "portable") return Impl::portable;
  if (s == "cpu") return Impl::cpu;
  if (s == "cuda") return Impl::cuda;
  if (s == "metal") return Impl::metal;
  throw std::invalid_argument("[core.dispatch] ROBOMLX_IMPL must be portable, cpu, cuda or metal, got '" + s + "'");
}

bool log_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("ROBOMLX_LOG_IMPL");
    return env != nullptr && *env != '\0' && std::string(env) != "0";
  }();
  return on;
}
}  // namespace

const char* to_string(Impl impl) {
  switch (impl) {
    case Impl::cpu: return "cpu";
    case Impl::cuda: return "cuda";
    case Impl::metal: return "metal";
    default: return "portable";
  }
}

std::optional<Impl> forced_impl() {
  if (scoped_override()) return scoped_override();
  return env_impl();
}

ScopedImpl::ScopedImpl(Impl impl) : previous_(scoped_override()) { scoped_override() = impl; }
ScopedImpl::~ScopedImpl() { scoped_override() = previous_; }

bool is_cuda_device(const mx::Device& device) {
  return device.type == mx::Device::gpu && mx::cu::is_available();
}
bool is_metal_device(const mx::Device& device) {
  return device.type == mx::Device::gpu && mx::metal::is_available();
}

Impl choose_impl(std::string_view tag, const mx::Device& device, ImplSet available) {
  bool on_cpu = device.type == mx::Device::cpu;
  auto fits = [&](Impl impl) {
    switch (impl) {
      case Impl::cpu: return available.cpu && on_cpu;
      case Impl::cuda: return available.cuda && is_cuda_device(device);
      case Impl::metal: return available.metal && is_metal_device(device);
      default: return true;
    }
  };
  Impl chosen = Impl::portable;
  if (auto forced = forced_impl()) {
    chosen = fits(*forced) ? *forced : Impl::portable;
  } else {
    for (Impl impl : {Impl::cuda, Impl::metal, Impl::cpu}) {
      if (fits(impl)) {
        chosen = impl;
        break;
      }
    }
  }
  if (log_enabled()) std::cerr << "[robomlx.impl] " << tag << " -> " << to_string(chosen) << "\n";
  return chosen;
}

}  // namespace robomlx
