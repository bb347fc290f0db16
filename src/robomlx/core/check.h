// SPDX-License-Identifier: Apache-2.0
// Argument checks that every op runs once, at its entry point. Each takes the op tag
// ("depth.spatial") and throws std::invalid_argument in the format documented in error.h.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <mlx/array.h>

namespace robomlx {

namespace mx = mlx::core;

/// Throws "[tag] name must be in [lo, hi], got v" unless lo <= v <= hi (NaN fails).
void check_range(std::string_view tag, std::string_view name, double v, double lo, double hi);

/// check_range where the lower end is another option's value `lo_name`; the message names both
/// ("[tag] p2 must be in [500, 4000], got 120 (p2 >= p1)"), so a bad combination of settings
/// made in different places (a file, --set, a default) says which two disagree.
void check_range_from(std::string_view tag, std::string_view name, double v, std::string_view lo_name, double lo,
                      double hi);

/// Throws unless v is finite.
void check_finite(std::string_view tag, std::string_view name, double v);

/// Throws unless `a` has exactly `ndim` dimensions.
void check_ndim(std::string_view tag, std::string_view name, const mx::array& a, int ndim);

/// Throws unless a.shape() matches `shape`; -1 in `shape` matches any size.
void check_shape(std::string_view tag, std::string_view name, const mx::array& a,
                 std::initializer_list<int> shape);

/// Throws unless a.dtype() is one of `allowed`.
void check_dtype(std::string_view tag, std::string_view name, const mx::array& a,
                 std::initializer_list<mx::Dtype> allowed);

/// Throws unless a.dtype() is an integer type.
void check_integer(std::string_view tag, std::string_view name, const mx::array& a);

/// "[1, 2, 3]" for messages.
std::string shape_string(const mx::Shape& shape);

/// "uint16", "float32", ... for messages.
std::string dtype_name(mx::Dtype dtype);

/// Formats "[tag] message" as an std::invalid_argument.
[[noreturn]] void fail_argument(std::string_view tag, const std::string& message);

}  // namespace robomlx
