// SPDX-License-Identifier: Apache-2.0
// Picks which implementation of an op runs. Every op has a portable path built from MLX ops
// (it is what runs on Apple GPUs and the parity reference); an op may add twins:
//   cpu  - a custom Primitive with a threaded eval_cpu, for CPU streams;
//   cuda - a fast::cuda_kernel, for CUDA GPU streams;
//   metal - a fast::metal_kernel, for Metal GPU streams (unverified here: no Mac in CI).
// A twin runs when it exists, supports the inputs and matches the device; otherwise the
// portable path runs. ROBOMLX_IMPL=portable (or ScopedImpl in tests) forces one choice;
// ROBOMLX_LOG_IMPL=1 prints each decision to stderr.
#pragma once

#include <optional>
#include <string_view>

#include <mlx/device.h>

namespace robomlx {

namespace mx = mlx::core;

enum class Impl { portable, cpu, cuda, metal };

const char* to_string(Impl impl);

/// Which twins an op has for the current inputs (the op's `supports` predicate decides).
struct ImplSet {
  bool cpu = false;
  bool cuda = false;
  bool metal = false;
};

/// The implementation op `tag` should run on `device`.
Impl choose_impl(std::string_view tag, const mx::Device& device, ImplSet available);

/// The forced implementation, if any (ROBOMLX_IMPL or a live ScopedImpl).
std::optional<Impl> forced_impl();

/// Forces one implementation while alive (tests compare twins with the portable path).
/// A forced twin that an op lacks falls back to portable.
class ScopedImpl {
 public:
  explicit ScopedImpl(Impl impl);
  ~ScopedImpl();
  ScopedImpl(const ScopedImpl&) = delete;
  ScopedImpl& operator=(const ScopedImpl&) = delete;

 private:
  std::optional<Impl> previous_;
};

/// True when the CUDA backend is compiled in and `device` is a GPU.
bool is_cuda_device(const mx::Device& device);
/// True when the Metal backend is compiled in and `device` is a GPU.
bool is_metal_device(const mx::Device& device);

}  // namespace robomlx
