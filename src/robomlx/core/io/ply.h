// SPDX-License-Identifier: Apache-2.0
// PLY point clouds: the `vertex` element with arbitrary scalar properties, read from ASCII,
// binary little-endian or binary big-endian files; written as binary little-endian (default)
// or ASCII. Other elements (faces with list properties, edges, ...) are parsed and skipped,
// so their bytes are validated but not kept; list properties inside `vertex` are skipped too.
//
// ASCII data holds one element per line (blank lines are skipped); a line with too few or too
// many values is an error naming the line. ASCII integers must be integral and in range, floats
// must fit their type (1e39 is not a float).
//
// Property types: char/int8, uchar/uint8, short/int16, ushort/uint16, int/int32, uint/uint32,
// float/float32, double/float64. Columns keep their file type (native byte order in memory).
//
// Malformed files throw FormatError(path, what) naming the header line or the vertex and
// property, e.g. "header line 5: unknown property type 'float128'". The vertex count is held to
// the points cap and count x properties to the elements cap (core/input_policy.h) right after
// the header, and a header's element counts are checked against the bytes actually present,
// before anything is allocated. Values are returned as the file holds them, NaN included;
// load_point_cloud applies the non-finite policy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace robomlx {

namespace mx = mlx::core;

enum class PlyType : std::uint8_t { Int8, UInt8, Int16, UInt16, Int32, UInt32, Float32, Float64 };

/// The canonical PLY name ("char", "uchar", ..., "float", "double").
const char* ply_type_name(PlyType type);
std::size_t ply_type_size(PlyType type);
/// The MLX dtype holding this type (float64 lives on the CPU only: MLX has no GPU float64).
mx::Dtype ply_type_dtype(PlyType type);

/// One vertex property: `count` values of `type`, native byte order, tightly packed.
struct PlyProperty {
  std::string name;
  PlyType type = PlyType::Float32;
  std::vector<std::uint8_t> bytes;
};

enum class PlyFormat { Ascii, BinaryLittleEndian, BinaryBigEndian };

/// The vertex element of a PLY file: `count` rows, properties in file order.
struct PlyData {
  std::size_t count = 0;
  std::vector<PlyProperty> properties;
  PlyFormat format = PlyFormat::BinaryLittleEndian;  // format of the file read (informational)

  bool has(const std::string& name) const { return find(name) != nullptr; }
  const PlyProperty* find(const std::string& name) const;
  /// Throws std::invalid_argument "[core.io.ply] no vertex property 'x'; available: ...".
  const PlyProperty& at(const std::string& name) const;
  std::vector<std::string> names() const;

  /// [N] array with the property's own dtype (float64 stays float64: use it on the CPU).
  mx::array column(const std::string& name) const;
  /// [N, k] array of the named properties, each converted to `dtype` (default float32).
  mx::array columns(const std::vector<std::string>& names, mx::Dtype dtype = mx::float32) const;

  /// [N, 3] float32 from x, y, z (throws std::invalid_argument if any is missing).
  mx::array positions() const;
  /// [N, 3] uint8 from red, green, blue; nullopt when absent. Float colours (0..1) are scaled
  /// to 0..255 and clipped; integer colours wider than uint8 are clipped.
  std::optional<mx::array> colors() const;
  /// [N, 3] float32 from nx, ny, nz; nullopt when absent.
  std::optional<mx::array> normals() const;

  // The 3D Gaussian-splatting layout (raw pre-activation values, all float32).
  /// [N, 3] from f_dc_0..2 (degree-0 spherical-harmonic coefficient per RGB channel).
  mx::array sh_dc() const { return columns({"f_dc_0", "f_dc_1", "f_dc_2"}); }
  /// [N, K] from f_rest_0..f_rest_{K-1} in numeric order; K = 0 when there are none.
  mx::array sh_rest() const;
  /// [N] logit opacity.
  mx::array opacity() const;
  /// [N, 3] log scales.
  mx::array scales() const { return columns({"scale_0", "scale_1", "scale_2"}); }
  /// [N, 4] unnormalised quaternions (rot_0 = w).
  mx::array rotations() const { return columns({"rot_0", "rot_1", "rot_2", "rot_3"}); }

  /// Appends (or replaces) a property from an [N] or [N, 1] array; N must equal `count`
  /// (the first property added to an empty PlyData sets it). dtypes: int8, uint8, int16,
  /// uint16, int32, uint32, float32, float64; bool is stored as uchar. Evaluates the array.
  void set(const std::string& name, const mx::array& values);
};

/// Reads the vertex element of a PLY file.
PlyData read_ply(const std::string& path);
/// The same from memory (`name` is used in error messages).
PlyData decode_ply(const void* data, std::size_t size, const std::string& name = "<memory>");

/// Writes the vertex element atomically (no partial file on failure). Throws std::invalid_argument
/// for an empty property name, a name with whitespace, or a column of the wrong length, and
/// std::runtime_error naming the path when the file cannot be written.
void write_ply(const std::string& path, const PlyData& data, PlyFormat format = PlyFormat::BinaryLittleEndian);
/// The same into a string.
std::string encode_ply(const PlyData& data, PlyFormat format = PlyFormat::BinaryLittleEndian);

/// A point cloud for write_ply_points: positions [N, 3] float32; optional colours [N, 3] uint8,
/// normals [N, 3] float32, and extra per-point columns ([N] or [N, 1], stored as float32).
struct PlyPoints {
  mx::array positions = mx::array({}, mx::float32);
  std::optional<mx::array> colors;
  std::optional<mx::array> normals;
  std::vector<std::pair<std::string, mx::array>> extra;
};

/// Builds the PlyData (x y z [red green blue] [nx ny nz] extras...) and writes it.
void write_ply_points(const std::string& path, const PlyPoints& points,
                      PlyFormat format = PlyFormat::BinaryLittleEndian);
PlyData ply_from_points(const PlyPoints& points);

}  // namespace robomlx
