// SPDX-License-Identifier: Apache-2.0
// The input policies every reader and every command applies (README, "Input policies"), in one
// place so that each system, present and upcoming, calls the same checks with the same words.
//
// 1. Size caps, checked from a file's header before anything the header sizes is allocated:
//      pixels    width x height of one image or video frame        default 2^26 = 67,108,864
//      points    rows of one point cloud (PLY vertices, NPY rows)  default 2^27 = 134,217,728
//      elements  values of one array read from a file (NPY, PLY)   default 2^30 = 1,073,741,824
//    Why these: the largest real inputs are 8K video frames (33 MP), Middlebury full size
//    (6 MP), ZED 2K side by side (5.5 MP), 3D Gaussian-splat scenes of ~6 M splats x 62 values
//    and lidar maps of ~100 M points; each cap holds them with room, while bounding what one
//    lying header can make us allocate (2^26 RGBA16 pixels = 512 MiB).
//    Override: the environment (ROBOMLX_MAX_PIXELS, ROBOMLX_MAX_POINTS, ROBOMLX_MAX_ELEMENTS),
//    and above it the CLI flags (--max-pixels, --max-points, --max-elements) or set_input_cap.
//    A file over a cap throws InputLimitError (a FormatError, CLI exit 3) naming the file, the
//    cap, its value and how to raise it.
// 2. Non-finite numbers (NaN, +-Inf) never enter a result silently. Readers of generic
//    containers (read_ply, read_npy) return what the file holds; whoever computes with the
//    numbers applies the rule of the input kind: point clouds reject the first bad row by name
//    or, when asked (NonFinitePolicy::drop), drop such rows and count them; calibration, camera
//    metadata, scene info and configuration values are single numbers and are always rejected,
//    with their accepted range (require_in_range).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "robomlx/core/error.h"

namespace robomlx {

/// A file exceeds one of the size caps (the message says which and how to raise it).
class InputLimitError : public FormatError {
 public:
  using FormatError::FormatError;
};

enum class InputCap { pixels, points, elements };

/// "pixels", "points", "elements".
const char* input_cap_name(InputCap cap);
/// "ROBOMLX_MAX_PIXELS", ...
const char* input_cap_env(InputCap cap);
/// "--max-pixels", ...
const char* input_cap_flag(InputCap cap);
std::uint64_t input_cap_default(InputCap cap);

/// The cap in force: set_input_cap's value, else the environment variable, else the default.
/// A malformed environment value throws std::invalid_argument naming the variable.
std::uint64_t input_cap(InputCap cap);
/// Sets the cap for this process (the CLI flag); 0 returns to the environment / default.
void set_input_cap(InputCap cap, std::uint64_t value);
/// Parses a cap value: a positive decimal integer ("67108864"); throws std::invalid_argument
/// "[core.input] <what> must be a positive integer, got '<text>'" otherwise.
std::uint64_t parse_input_cap(std::string_view text, const std::string& what);

/// Throws InputLimitError(file, "<what> exceeds the <cap> cap of N (raise it with --max-... or
/// ROBOMLX_MAX_...)") when `count` > input_cap(cap). `what` describes the count, e.g.
/// "PNG image 16000x12000 (192000000 pixels)".
void check_input_cap(InputCap cap, std::uint64_t count, const std::string& file, const std::string& what);
/// The pixel cap for a width x height image described as `kind` ("PNG image"); also rejects
/// products that overflow 64 bits.
void check_image_size(std::uint64_t width, std::uint64_t height, const std::string& file, const std::string& kind);

enum class NonFinitePolicy { reject, drop };
/// "reject" or "drop"; throws std::invalid_argument otherwise.
NonFinitePolicy parse_non_finite_policy(std::string_view text);

/// Rows of a row-major [rows, cols] float table that hold only finite values.
struct FiniteRows {
  std::vector<std::uint8_t> keep;  // 1 per row: all values finite
  std::size_t dropped = 0;         // rows with a NaN or an infinity
  std::optional<std::size_t> first_bad;
};
FiniteRows finite_rows(const float* data, std::size_t rows, std::size_t cols);

/// Throws FormatError(file, "<field> must be in [lo, hi] (<why>), got v") unless lo <= v <= hi;
/// NaN and infinities always fail. `why` may be empty.
void require_in_range(double v, double lo, double hi, const std::string& file, const std::string& field,
                      const std::string& why = "");
/// A number for messages: shortest round-trip form ("1e+20", "0.5", "nan").
std::string number_text(double v);

/// Locale-independent parse of a whole token as a finite double ("+1.5", "1e3"); nullopt for
/// anything else (empty, trailing characters, NaN, Inf, out of range).
std::optional<double> parse_finite_number(std::string_view text);
/// Whole-token decimal integer within [lo, hi]; nullopt otherwise (no overflow, no UB).
std::optional<long long> parse_integer(std::string_view text, long long lo, long long hi);

}  // namespace robomlx
