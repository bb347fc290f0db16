// SPDX-License-Identifier: Apache-2.0
// Temporal filter: librealsense rs2::temporal_filter (src/proc/temporal-filter.h/.cpp at 2.56.5),
// bit-exact (shared/specs/realsense.md §1.6).
//
// Frames: [H, W] uint16 Z16 (raw depth units) or float32 DISPARITY32; 0 = hole (for float32:
// value == 0, so -0.0 is a hole and NaN is not). Output: same shape and dtype.
//
// Per pixel, with the last kept value L, an 8-bit validity history and the frame phase p (0..7):
//  - valid pixel, L == 0 or |c - L| >= delta: output c, L = c, history restarts at bit p;
//  - valid pixel, |c - L| < delta: output T(alpha*c + (1-alpha)*L) (float32 math, truncation for
//    uint16), which becomes L, and bit p is set;
//  - hole: output L when L != 0 and the persistence rule holds on the previous 8 frames, else
//    the hole; bit p is cleared; L is kept.
// Persistence (holes_fill): 0 off, 1 valid in 8/8, 2 in 2 of the last 3, 3 in 2/last 4 (default),
// 4 in 2/8, 5 in 1/last 2, 6 in 1/last 5, 7 in 1/8, 8 always.
//
// State resets (L = 0, history = 0, phase = 0) when any option changes and when the frame shape or
// dtype changes. librealsense instead keeps stale buffers on an option change (vector::clear without
// resize) and keeps the phase on a resolution change; fresh streams behave identically.
//
// Implementations (core/dispatch.h, tag "depth.temporal"): portable MLX ops (elementwise), a
// threaded CPU Primitive and a CUDA kernel (one thread per pixel).
#pragma once

#include <mlx/array.h>
#include <mlx/utils.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// Options with librealsense's names, ranges and defaults.
struct TemporalFilterOptions {
  float alpha = 0.4f;   // filter_smooth_alpha: weight of the current frame, [0, 1]
  int delta = 20;       // filter_smooth_delta: max |c - L| to blend, input units, [1, 100]
  int persistence = 3;  // holes_fill: persistency mode, [0, 8] (see above)

  /// Throws std::invalid_argument "[depth.temporal] filter_smooth_alpha must be in [0, 1], got 2".
  void validate() const;
  bool operator==(const TemporalFilterOptions&) const = default;
};

/// History carried from frame to frame.
struct TemporalState {
  mx::array last{0};     // [H, W], frame dtype: last kept value, 0 = none
  mx::array history{0};  // [H, W] uint8: bit (phase of frame t) = pixel valid and consistent at t
  int phase = 0;         // phase of the next frame, 0..7
};

/// All-zero state for frames of this shape and dtype.
TemporalState temporal_initial_state(const mx::Shape& shape, mx::Dtype dtype, mx::StreamOrDevice s = {});

struct TemporalStep {
  mx::array output;
  TemporalState state;
};

/// One frame through the filter (lazy). Throws std::invalid_argument for bad options, or a
/// frame whose shape or dtype does not match the state's.
TemporalStep temporal_filter_step(const mx::array& frame, const TemporalState& state,
                                  const TemporalFilterOptions& options = {}, mx::StreamOrDevice s = {});

/// The stateful filter as librealsense's block: feed frames in order.
class TemporalFilter {
 public:
  explicit TemporalFilter(const TemporalFilterOptions& options = {});
  /// Filters the next frame (the output is lazy; the new state is scheduled with async_eval so the
  /// graph does not grow across frames). Resets first when the shape or dtype changed.
  mx::array process(const mx::array& frame, mx::StreamOrDevice s = {});
  /// Validates, stores and resets the history.
  void set_options(const TemporalFilterOptions& options);
  const TemporalFilterOptions& options() const { return options_; }
  void reset();

 private:
  TemporalFilterOptions options_;
  TemporalState state_;
  bool has_state_ = false;
};

}  // namespace robomlx::depth
