// SPDX-License-Identifier: Apache-2.0
// CPU twin of the Z16 decimation (a custom Primitive whose eval_cpu splits output rows over
// threads). The portable path builds s*s strided planes plus a sorting network or a reshaped sum,
// several whole-image passes on one thread; this is one pass. Same rules as decimate_z16
// (decimation.h): lower median of the non-zero samples for s = 2, 3, floor(sum / n) of the
// non-zero samples otherwise, 0 for an all-zero block, zero padding to multiples of 4; outputs
// are identical. Selected by choose_impl("depth.decimation") on CPU.
#pragma once

#include <mlx/array.h>

namespace robomlx::depth {

namespace mx = mlx::core;

/// depth: [H, W] uint16 with H, W >= s (checked by the caller); returns [hp, wp] uint16.
mx::array decimate_z16_cpu(const mx::array& depth, int s);

}  // namespace robomlx::depth
