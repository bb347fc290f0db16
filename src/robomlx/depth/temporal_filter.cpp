// SPDX-License-Identifier: Apache-2.0
// Validation, dispatch, the portable (elementwise) path and the stateful wrapper of the temporal
// filter. The persistence rule is a 256-entry table per phase built on the host and gathered.
#include "robomlx/depth/temporal_filter.h"

#include <bit>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/gpu_kernel_internal.h"
#include "robomlx/depth/temporal_filter_twins.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.temporal";

// Does an 8-frame window (bit 7 = previous frame ... bit 0 = eight frames ago) pass the rule?
bool credible(int persistence, unsigned window) {
  auto count = [&](unsigned mask) { return std::popcount(window & mask); };
  switch (persistence) {
    case 1: return count(0xFF) >= 8;
    case 2: return count(0xE0) >= 2;
    case 3: return count(0xF0) >= 2;
    case 4: return count(0xFF) >= 2;
    case 5: return count(0xC0) >= 1;
    case 6: return count(0xF8) >= 1;
    case 7: return count(0xFF) >= 1;
    case 8: return true;
    default: return false;
  }
}
}  // namespace

void TemporalFilterOptions::validate() const {
  check_range(kTag, "filter_smooth_alpha", alpha, 0.0, 1.0);
  check_range(kTag, "filter_smooth_delta", delta, 1, 100);
  check_range(kTag, "holes_fill", persistence, 0, 8);
}

namespace detail {
std::array<uint8_t, 256> persistence_table(int persistence, int phase) {
  std::array<uint8_t, 256> table{};
  for (unsigned h = 0; h < 256; ++h) {
    unsigned window = ((h >> phase) | (h << (8 - phase))) & 0xFFu;  // rotate right by phase
    table[h] = credible(persistence, window) ? 1 : 0;
  }
  return table;
}

std::vector<mx::array> temporal_filter_portable(const mx::array& frame, const mx::array& last, const mx::array& history,
                                                const TemporalFilterOptions& o, int phase, mx::Stream s) {
  auto table = persistence_table(o.persistence, phase);
  auto lut = mx::array(table.data(), {256}, mx::uint8);
  auto mask = mx::array(static_cast<uint8_t>(1u << phase), mx::uint8);
  auto not_mask = mx::array(static_cast<uint8_t>(~(1u << phase) & 0xFFu), mx::uint8);
  auto zero = mx::array(0, frame.dtype());
  auto valid = mx::not_equal(frame, zero, s), has_last = mx::not_equal(last, zero, s);
  // Both dtypes are compared and blended in float32 (uint16 values are exact there).
  auto c = mx::astype(frame, mx::float32, s), l = mx::astype(last, mx::float32, s);
  auto agree = mx::logical_and(mx::logical_and(valid, has_last, s),
                               mx::less(mx::abs(mx::subtract(c, l, s), s), mx::array(static_cast<float>(o.delta)), s), s);
  auto blended = mx::add(mx::multiply(mx::array(o.alpha), c, s), mx::multiply(mx::array(1.0f - o.alpha), l, s), s);
  blended = mx::astype(blended, frame.dtype(), s);
  auto fill = mx::logical_and(mx::logical_and(mx::logical_not(valid, s), has_last, s),
                              mx::not_equal(mx::take(lut, mx::astype(history, mx::int32, s), 0, s), mx::array(0, mx::uint8), s), s);
  auto output = mx::where(agree, blended, mx::where(fill, last, frame, s), s);
  auto new_last = mx::where(valid, mx::where(agree, blended, frame, s), last, s);
  auto new_history = mx::where(valid, mx::where(agree, mx::bitwise_or(history, mask, s), mask, s),
                               mx::bitwise_and(history, not_mask, s), s);
  return {output, new_last, new_history};
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
