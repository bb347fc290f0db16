// SPDX-License-Identifier: Apache-2.0
// Internal: the implementations behind temporal_filter_step(). Arguments are validated by the
// caller: frame, last [H, W] of one dtype (uint16 or float32), history [H, W] uint8.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>

#include "robomlx/depth/cpu_isa_internal.h"
#include "robomlx/depth/temporal_filter.h"

namespace robomlx::depth::detail {

/// Entry h is 1 when a hole at phase `phase` with history h may be filled under `persistence`
/// (librealsense's persistence map, rotated so that bit phase-1 is the previous frame).
std::array<uint8_t, 256> persistence_table(int persistence, int phase);

/// Each returns {output, new last, new history}.
std::vector<mx::array> temporal_filter_portable(const mx::array& frame, const mx::array& last, const mx::array& history,
                                                const TemporalFilterOptions& options, int phase, mx::Stream s);
/// One step of librealsense's per-pixel rule (the CPU twin's loop): alpha and keep = 1 - alpha blend,
/// delta the largest change blended, mask = 1 << phase, table = persistence_table(persistence, phase).
struct TemporalRowParams {
  float alpha = 0, keep = 0, delta = 0;
  uint8_t mask = 0;
  std::array<uint8_t, 256> table{};
};

/// The CPU twin's loop over n float (disparity) pixels at the given width (usable_cpu_isa lowers it
/// to what the CPU runs); every width gives the generic loop's outputs bit for bit.
void temporal_filter_row(const float* frame, const float* last_in, const uint8_t* hist_in, float* out, float* last,
                         uint8_t* hist, std::int64_t n, const TemporalRowParams& q, CpuIsa isa);

std::vector<mx::array> temporal_filter_cpu(const mx::array& frame, const mx::array& last, const mx::array& history,
                                           const TemporalFilterOptions& options, int phase, mx::Stream s);
/// GpuKernel, one thread per pixel (CUDA and Metal streams).
std::vector<mx::array> temporal_filter_gpu(const mx::array& frame, const mx::array& last, const mx::array& history,
                                           const TemporalFilterOptions& options, int phase, mx::Stream s);

}  // namespace robomlx::depth::detail
