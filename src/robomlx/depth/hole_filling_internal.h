// SPDX-License-Identifier: Apache-2.0
// Internal: pieces of hole filling's portable path shared by hole_filling.cpp (validation,
// dispatch, mode 0, the row-by-row form of modes 1/2) and hole_filling_rounds.cpp (modes 1/2 by
// rounds of whole-image scans).
#pragma once

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

namespace robomlx::depth::detail {

namespace mx = mlx::core;

/// Integer keys with the order of the values, 0 <=> hole (0, or float bit pattern 0), as `dtype`:
/// int32 holds a uint16 image's keys, int64 every float32's. from_hole_keys: back to `image_dtype`.
mx::array hole_keys(const mx::array& image, mx::Dtype dtype, mx::StreamOrDevice s);
mx::array from_hole_keys(const mx::array& keys, mx::Dtype image_dtype, mx::StreamOrDevice s);

/// Modes 1 (farest) and 2 (nearest) by a fixed number of rounds of whole-image scans and one
/// check (one host sync), image [h, w] uint16 or float32 with h >= 3, w >= 2. `exact_rows`: the
/// leading rows the check found exact: h when the whole result is (then it is the row-by-row
/// result bit for bit), else y0 >= 1, the first row whose check failed, from which the caller
/// fills row by row from the exact row y0 - 1 of `image`.
struct RoundsFill {
  mx::array image;
  int exact_rows;
};
RoundsFill hole_filling_rounds(const mx::array& image, bool farest, int rounds, mx::Stream s);
/// The rounds hole_filling_portable runs before its check (per thread; tests set fewer to
/// exercise the row-by-row rest). At least 1.
int& hole_filling_round_count();

}  // namespace robomlx::depth::detail
