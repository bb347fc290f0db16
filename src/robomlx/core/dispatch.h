// SPDX-License-Identifier: Apache-2.0
// Picks which implementation of an op runs. Every op has a portable path built from MLX ops
// (it is what runs on Apple GPUs and the parity reference); an op may add twins:
//   cpu  - a custom Primitive with a threaded eval_cpu, for CPU streams;
//   cuda - a fast::cuda_kernel, for CUDA GPU streams;
//   metal - a fast::metal_kernel, for Metal GPU streams (unverified here: no Mac in CI; chosen
//           automatically only with ROBOMLX_METAL_TWINS=1, see core/gpu_kernel_internal.h).
// An op decides from the device of the stream it was given (`op_stream(s)`), never from the
// default device: a twin runs when it exists, supports the inputs and fits that device; otherwise
// the portable path runs.
//
// Forcing: ScopedImpl (tests, benchmarks) is strict: a forced twin that the op lacks for these
// inputs, or that cannot run on the stream's device, throws UnsupportedBackendError instead of
// silently running the portable path. ROBOMLX_IMPL (a user knob for whole pipelines) is lenient:
// where the named twin does not fit, the op runs its portable path. ROBOMLX_LOG_IMPL=1 prints each
// decision to stderr. ImplTrace records the decisions, so tests can assert which one ran.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mlx/device.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

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

/// The stream an op runs on, by MLX's own rule for StreamOrDevice ({} is the default device's
/// default stream, a Device its default stream).
mx::Stream op_stream(mx::StreamOrDevice s);

/// The implementation op `tag` runs on `device` (the device of the op's stream). Recorded in every
/// live ImplTrace. Throws UnsupportedBackendError when a ScopedImpl forces a twin that does not fit.
Impl choose_impl(std::string_view tag, const mx::Device& device, ImplSet available);
inline Impl choose_impl(std::string_view tag, const mx::Stream& stream, ImplSet available) {
  return choose_impl(tag, stream.device, available);
}

/// What choose_impl would pick, without recording or throwing (a forced twin that does not fit
/// answers portable): for planning, e.g. whether a fused fast path applies.
Impl preview_impl(std::string_view tag, const mx::Device& device, ImplSet available);

/// The implementation forced for every op, if any (a live ScopedImpl, else ROBOMLX_IMPL's bare
/// item). ROBOMLX_IMPL may also force one tag prefix: "splat.bin=portable,depth=cpu".
std::optional<Impl> forced_impl();

/// True while a ScopedImpl strictly forces `impl` for op `tag` (then a twin that fails must throw,
/// not fall back: core/gpu_kernel_internal.h).
bool strictly_forced(Impl impl, std::string_view tag);

/// Forces one implementation while alive, for every op or only for ops whose tag starts with
/// `tag_prefix` (e.g. "depth.spatial"). Strict: see above. Not thread-safe; tests and benchmarks
/// build their graphs on one thread.
class ScopedImpl {
 public:
  explicit ScopedImpl(Impl impl, std::string tag_prefix = {});
  ~ScopedImpl();
  ScopedImpl(const ScopedImpl&) = delete;
  ScopedImpl& operator=(const ScopedImpl&) = delete;

 private:
  struct Saved {
    std::optional<Impl> impl;
    std::string prefix;
  };
  Saved previous_;
};

/// Records every choose_impl decision made while alive (nested traces all record).
class ImplTrace {
 public:
  ImplTrace();
  ~ImplTrace();
  ImplTrace(const ImplTrace&) = delete;
  ImplTrace& operator=(const ImplTrace&) = delete;

  /// (tag, implementation) in the order they were chosen.
  const std::vector<std::pair<std::string, Impl>>& choices() const { return choices_; }
  /// How many decisions for tags starting with `tag_prefix` chose `impl`.
  int count(Impl impl, std::string_view tag_prefix = {}) const;
  /// True when some decision for a tag starting with `tag_prefix` chose `impl`.
  bool ran(Impl impl, std::string_view tag_prefix = {}) const { return count(impl, tag_prefix) > 0; }
  /// "depth.spatial -> cpu, depth.threshold -> portable" (for failure messages).
  std::string summary() const;

  void record(std::string_view tag, Impl impl) { choices_.emplace_back(std::string(tag), impl); }

 private:
  std::vector<std::pair<std::string, Impl>> choices_;
};

/// True when the CUDA backend is compiled in and `device` is a GPU.
bool is_cuda_device(const mx::Device& device);
/// True when the Metal backend is compiled in and `device` is a GPU.
bool is_metal_device(const mx::Device& device);

}  // namespace robomlx
