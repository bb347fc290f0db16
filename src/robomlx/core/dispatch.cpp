// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/dispatch.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <mlx/backend/cuda/cuda.h>
#include <mlx/backend/metal/metal.h>

#include "robomlx/core/error.h"

namespace robomlx {

namespace {
struct Forcing {
  std::optional<Impl> impl;
  std::string prefix;
};

Forcing& scoped_override() {
  static Forcing value;
  return value;
}

std::mutex& trace_mutex() {
  static std::mutex m;
  return m;
}

std::vector<ImplTrace*>& live_traces() {
  static std::vector<ImplTrace*> traces;
  return traces;
}

// ROBOMLX_IMPL: one implementation for every op ("portable"), or a comma-separated list of
// <tag prefix>=<implementation> items ("splat.bin=portable,depth=cpu"; the longest matching prefix
// wins), a bare item being the default for the other tags. Read on every choice (tests set it).
struct EnvForcing {
  std::optional<Impl> all;
  std::vector<std::pair<std::string, Impl>> by_prefix;
};

EnvForcing env_forcing() {
  EnvForcing f;
  const char* env = std::getenv("ROBOMLX_IMPL");
  if (env == nullptr || *env == '\0') return f;
  const std::string value(env);
  auto parse = [&](const std::string& s) {
    if (s == "portable") return Impl::portable;
    if (s == "cpu") return Impl::cpu;
    if (s == "cuda") return Impl::cuda;
    if (s == "metal") return Impl::metal;
    throw std::invalid_argument(
        "[core.dispatch] ROBOMLX_IMPL must be portable, cpu, cuda or metal, or a comma-separated list of "
        "<op tag prefix>=<one of those> (e.g. splat.bin=portable), got '" + value + "'");
  };
  std::size_t at = 0;
  while (at <= value.size()) {
    const std::size_t end = std::min(value.find(',', at), value.size());
    const std::string item = value.substr(at, end - at);
    if (const auto eq = item.find('='); eq != std::string::npos && eq > 0) {
      f.by_prefix.emplace_back(item.substr(0, eq), parse(item.substr(eq + 1)));
    } else {
      f.all = parse(item);
    }
    at = end + 1;
  }
  return f;
}

std::optional<Impl> env_impl_for(std::string_view tag) {
  const EnvForcing f = env_forcing();
  std::optional<Impl> best = f.all;
  std::size_t best_len = 0;
  for (const auto& [prefix, impl] : f.by_prefix) {
    if (tag.substr(0, prefix.size()) == prefix && prefix.size() >= best_len) best = impl, best_len = prefix.size();
  }
  return best;
}

bool log_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("ROBOMLX_LOG_IMPL");
    return env != nullptr && *env != '\0' && std::string(env) != "0";
  }();
  return on;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The scoped forcing that applies to `tag`, if any.
std::optional<Impl> scoped_for(std::string_view tag) {
  const auto& f = scoped_override();
  if (f.impl && starts_with(tag, f.prefix)) return f.impl;
  return std::nullopt;
}

// Why `impl` cannot run op `tag` on `device` with `available` twins; empty when it can.
std::string misfit(Impl impl, const mx::Device& device, ImplSet available) {
  switch (impl) {
    case Impl::cpu:
      if (!available.cpu) return "the op has no CPU twin for these inputs";
      if (device.type != mx::Device::cpu) return "the CPU twin runs on CPU streams only, the op's stream is on the GPU";
      return {};
    case Impl::cuda:
      if (!available.cuda) return "the op has no CUDA twin for these inputs";
      if (!is_cuda_device(device)) return "the CUDA twin needs a CUDA GPU stream";
      return {};
    case Impl::metal:
      if (!available.metal) return "the op has no Metal twin for these inputs";
      if (!is_metal_device(device)) return "the Metal twin needs a Metal GPU stream";
      return {};
    default:
      return {};
  }
}

// Metal twins are unverified on Apple hardware (core/gpu_kernel_internal.h): the automatic choice
// takes them only when ROBOMLX_METAL_TWINS=1; forcing runs them either way.
bool metal_twins_enabled() {
  const char* env = std::getenv("ROBOMLX_METAL_TWINS");
  return env != nullptr && std::string(env) == "1";
}

Impl first_fit(const mx::Device& device, ImplSet available) {
  for (Impl impl : {Impl::cuda, Impl::metal, Impl::cpu}) {
    if (impl == Impl::metal && !metal_twins_enabled()) continue;
    if (misfit(impl, device, available).empty()) return impl;
  }
  return Impl::portable;
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

mx::Stream op_stream(mx::StreamOrDevice s) { return mx::to_stream(s); }

std::optional<Impl> forced_impl() {
  if (scoped_override().impl) return scoped_override().impl;
  return env_forcing().all;
}

bool strictly_forced(Impl impl, std::string_view tag) { return scoped_for(tag) == impl; }

ScopedImpl::ScopedImpl(Impl impl, std::string tag_prefix)
    : previous_{scoped_override().impl, scoped_override().prefix} {
  scoped_override() = {impl, std::move(tag_prefix)};
}
ScopedImpl::~ScopedImpl() { scoped_override() = {previous_.impl, previous_.prefix}; }

ImplTrace::ImplTrace() {
  std::lock_guard lock(trace_mutex());
  live_traces().push_back(this);
}
ImplTrace::~ImplTrace() {
  std::lock_guard lock(trace_mutex());
  auto& v = live_traces();
  v.erase(std::remove(v.begin(), v.end(), this), v.end());
}

int ImplTrace::count(Impl impl, std::string_view tag_prefix) const {
  return static_cast<int>(std::count_if(choices_.begin(), choices_.end(), [&](const auto& c) {
    return c.second == impl && starts_with(c.first, tag_prefix);
  }));
}

std::string ImplTrace::summary() const {
  if (choices_.empty()) return "no implementation was chosen";
  std::string out;
  for (const auto& [tag, impl] : choices_) out += (out.empty() ? "" : ", ") + tag + " -> " + to_string(impl);
  return out;
}

bool is_cuda_device(const mx::Device& device) {
  return device.type == mx::Device::gpu && mx::cu::is_available();
}
bool is_metal_device(const mx::Device& device) {
  return device.type == mx::Device::gpu && mx::metal::is_available();
}

Impl preview_impl(std::string_view tag, const mx::Device& device, ImplSet available) {
  std::optional<Impl> forced = scoped_for(tag);
  if (!forced && !scoped_override().impl) forced = env_impl_for(tag);
  if (forced) return misfit(*forced, device, available).empty() ? *forced : Impl::portable;
  return first_fit(device, available);
}

Impl choose_impl(std::string_view tag, const mx::Device& device, ImplSet available) {
  Impl chosen;
  if (auto forced = scoped_for(tag)) {
    if (auto why = misfit(*forced, device, available); !why.empty()) {
      throw UnsupportedBackendError("[" + std::string(tag) + "] forced implementation '" + to_string(*forced) +
                                    "' cannot run: " + why);
    }
    chosen = *forced;
  } else {
    chosen = preview_impl(tag, device, available);
  }
  if (log_enabled()) std::cerr << "[robomlx.impl] " << tag << " -> " << to_string(chosen) << "\n";
  std::lock_guard lock(trace_mutex());
  for (ImplTrace* t : live_traces()) t->record(tag, chosen);
  return chosen;
}

}  // namespace robomlx
