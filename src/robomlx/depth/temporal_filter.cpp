// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch, the portable (elementwise) path and the stateful wrapper of the temporal
// filter. The persistence rule is a mask and a count of set history bits: a 256-entry table per
// phase for the twins, bit tests in the portable path's one fused kernel.
#include "robomlx/depth/temporal_filter.h"

#include <algorithm>
#include <bit>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/temporal_filter_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.temporal";
using detail::run_fused;

// The rule of a persistence mode: a hole may be filled when at least `count` of the window's bits
// under `mask` are set (bit 7 = previous frame ... bit 0 = eight frames ago); count 0: always.
struct Rule {
  unsigned mask;
  int count;
};

Rule rule(int persistence) {
  switch (persistence) {
    case 1: return {0xFF, 8};
    case 2: return {0xE0, 2};
    case 3: return {0xF0, 2};
    case 4: return {0xFF, 2};
    case 5: return {0xC0, 1};
    case 6: return {0xF8, 1};
    case 7: return {0xFF, 1};
    case 8: return {0x00, 0};
    default: return {0x00, 1};  // never
  }
}

// {frame, last, alpha, 1 - alpha} -> {alpha * frame, (1 - alpha) * last} in float32, rounded on their
// own: the blend adds them in the next kernel, so no fused kernel can contract it into an fma (the
// twins and upstream round twice). The second selects the first behind a false condition, so it
// depends on it and one kernel yields both.
std::vector<mx::array> blend_terms(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  auto cur = mx::multiply(in[2], mx::astype(in[0], mx::float32, s), s);
  auto prev = mx::multiply(in[3], mx::astype(in[1], mx::float32, s), s);
  return {mx::where(mx::array(false), cur, prev, s), cur};
}

// {frame, last, history, alpha frame, (1 - alpha) last, delta, mask, e, t, bit, not bit} ->
// {new history, new last, output} in one kernel: each output selects (never computes with) the one
// before behind a false condition, so it depends on it and MLX fuses all three. Persistence
// without a table: with y = history & mask (the rule's mask rotated with the phase), at least 0 /
// 1 / 2 / all 8 bits set is (y & (y - e)) >= t for (e, t) = (0, 0) / (0, 1) / (1, 1) / (0, 255).
std::vector<mx::array> temporal_step(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  const auto &frame = in[0], &last = in[1], &history = in[2];
  auto zero = mx::array(0, frame.dtype());
  auto valid = mx::not_equal(frame, zero, s), has_last = mx::not_equal(last, zero, s);
  // Both dtypes are compared and blended in float32 (uint16 values are exact there).
  auto c = mx::astype(frame, mx::float32, s), l = mx::astype(last, mx::float32, s);
  auto agree = mx::logical_and(mx::logical_and(valid, has_last, s), mx::less(mx::abs(mx::subtract(c, l, s), s), in[5], s), s);
  auto blended = mx::astype(mx::add(in[4], in[3], s), frame.dtype(), s);
  auto y = mx::bitwise_and(history, in[6], s);
  auto credible = mx::greater_equal(mx::bitwise_and(y, mx::subtract(y, in[7], s), s), in[8], s);
  auto fill = mx::logical_and(mx::logical_and(mx::logical_not(valid, s), has_last, s), credible, s);
  auto never = mx::array(false);
  auto new_history = mx::where(valid, mx::where(agree, mx::bitwise_or(history, in[9], s), in[9], s),
                               mx::bitwise_and(history, in[10], s), s);
  auto new_last = mx::where(never, mx::astype(new_history, frame.dtype(), s),
                            mx::where(valid, mx::where(agree, blended, frame, s), last, s), s);
  auto output = mx::where(never, new_last, mx::where(agree, blended, mx::where(fill, last, frame, s), s), s);
  return {new_history, new_last, output};
}
}  // namespace

void TemporalFilterOptions::validate() const {
  check_range(kTag, "filter_smooth_alpha", alpha, 0.0, 1.0);
  check_range(kTag, "filter_smooth_delta", delta, 1, 100);
  check_range(kTag, "holes_fill", persistence, 0, 8);
}

namespace detail {
std::array<uint8_t, 256> persistence_table(int persistence, int phase) {
  const Rule r = rule(persistence);
  std::array<uint8_t, 256> table{};
  for (unsigned h = 0; h < 256; ++h) {
    unsigned window = ((h >> phase) | (h << (8 - phase))) & 0xFFu;  // rotate right by phase
    table[h] = std::popcount(window & r.mask) >= r.count ? 1 : 0;
  }
  return table;
}

std::vector<mx::array> temporal_filter_portable(const mx::array& frame, const mx::array& last, const mx::array& history,
                                                const TemporalFilterOptions& o, int phase, mx::Stream s) {
  const Rule r = rule(o.persistence);
  // Bits of the window rotated right by phase are the history's bits under the mask rotated left.
  const unsigned mask = ((r.mask << phase) | (r.mask >> (8 - phase))) & 0xFFu;
  const auto u8 = [](unsigned v) { return mx::array(static_cast<uint8_t>(v & 0xFFu), mx::uint8); };
  const unsigned e = r.count == 2 ? 1 : 0, t = r.count == 8 ? 255 : std::min(r.count, 1);
  const auto terms = run_fused<blend_terms>({frame, last, mx::array(o.alpha), mx::array(1.0f - o.alpha)}, s);
  const auto out = run_fused<temporal_step>({frame, last, history, terms[1], terms[0],
                                             mx::array(static_cast<float>(o.delta)), u8(mask), u8(e), u8(t),
                                             u8(1u << phase), u8(~(1u << phase))},
                                            s);
  return {out[2], out[1], out[0]};
}
}  // namespace detail

TemporalState temporal_initial_state(const mx::Shape& shape, mx::Dtype dtype, mx::StreamOrDevice s) {
  return {mx::zeros(shape, dtype, s), mx::zeros(shape, mx::uint8, s), 0};
}

TemporalStep temporal_filter_step(const mx::array& frame, const TemporalState& state, const TemporalFilterOptions& options,
                                  mx::StreamOrDevice s) {
  options.validate();
  check_ndim(kTag, "frame", frame, 2);
  check_dtype(kTag, "frame", frame, {mx::uint16, mx::float32});
  if (state.last.shape() != frame.shape() || state.history.shape() != frame.shape() ||
      state.last.dtype() != frame.dtype() || state.history.dtype() != mx::uint8) {
    fail_argument(kTag, "state must match the frame: frame " + shape_string(frame.shape()) + " " +
                            dtype_name(frame.dtype()) + ", state last " + shape_string(state.last.shape()) + " " +
                            dtype_name(state.last.dtype()) + ", history " + shape_string(state.history.shape()) + " " +
                            dtype_name(state.history.dtype()) + " (want uint8)");
  }
  check_range(kTag, "state.phase", state.phase, 0, 7);
  const mx::Stream stream = op_stream(s);
  std::vector<mx::array> r;
  auto gpu = [&] { return detail::temporal_filter_gpu(frame, state.last, state.history, options, state.phase, stream); };
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true, .cuda = true, .metal = metal_twin_usable(kTag)})) {
    case Impl::cpu: r = detail::temporal_filter_cpu(frame, state.last, state.history, options, state.phase, stream); break;
    case Impl::cuda: r = gpu(); break;
    case Impl::metal:
      if (auto m = try_metal_twin(kTag, gpu)) {
        r = *m;
        break;
      }
      [[fallthrough]];
    default: r = detail::temporal_filter_portable(frame, state.last, state.history, options, state.phase, stream);
  }
  return {r[0], {r[1], r[2], (state.phase + 1) % 8}};
}

TemporalFilter::TemporalFilter(const TemporalFilterOptions& options) : options_(options) { options_.validate(); }

void TemporalFilter::set_options(const TemporalFilterOptions& options) {
  options.validate();
  options_ = options;
  reset();
}

void TemporalFilter::reset() {
  state_ = {};
  has_state_ = false;
}

mx::array TemporalFilter::process(const mx::array& frame, mx::StreamOrDevice s) {
  check_ndim(kTag, "frame", frame, 2);
  check_dtype(kTag, "frame", frame, {mx::uint16, mx::float32});
  if (!has_state_ || state_.last.shape() != frame.shape() || state_.last.dtype() != frame.dtype()) {
    state_ = temporal_initial_state(frame.shape(), frame.dtype(), s);
    has_state_ = true;
  }
  auto step = temporal_filter_step(frame, state_, options_, s);
  state_ = step.state;
  mx::async_eval({state_.last, state_.history});
  return step.output;
}

}  // namespace robomlx::depth
