// SPDX-License-Identifier: Apache-2.0
// NumPy .npy files (format versions 1.0, 2.0 and 3.0) to and from mx::array.
//
// Why not mx::load / mx::save: MLX 0.32's npy loader reads the header dictionary at fixed
// character offsets (it assumes numpy's exact key order and spacing), loads lazily so a
// truncated file fails only at eval time with a generic message, and does not check the
// shape against the file size. A .npy file is a user-brought input here, so this parser reads
// the header as a Python-literal dictionary, validates every field and the payload size before
// allocating, and names the file and field in each FormatError. The writer is the same few
// lines and shares the dtype table.
//
// dtypes (descr): '<f2' '<f4' '<f8' '|u1' '|i1' '<i2' '<u2' '<i4' '<u4' '<i8' '<u8' '|b1'
// ('=' and '|' accepted as native for multi-byte types on little-endian hosts). Big-endian
// ('>f4'), structured, object, string and complex dtypes throw FormatError.
// Shape: any rank including () (a scalar, shape {}); each dimension must fit in int32 (MLX).
// fortran_order True files are read correctly: the column-major payload is transposed into a
// row-major array. float64 arrays are returned as float64: MLX has no float64 on GPUs, so use
// them on the CPU (mx::Device::cpu) or astype(float32) there first.
#pragma once

#include <cstddef>
#include <string>

#include <mlx/array.h>

namespace robomlx {

namespace mx = mlx::core;

/// Reads a .npy file into an evaluated, row-contiguous array. Arrays of more elements than the
/// elements cap (core/input_policy.h) throw InputLimitError before the payload is copied.
mx::array read_npy(const std::string& path);
/// The same from memory (`name` is used in error messages).
mx::array decode_npy(const void* data, std::size_t size, const std::string& name = "<memory>");

/// The shape a .npy file declares, from its validated header (nothing is allocated): lets a
/// caller apply its own cap (points) before decode_npy copies the payload.
mx::Shape npy_shape(const void* data, std::size_t size, const std::string& name = "<memory>");

/// Writes `a` (evaluated, row-major, little-endian) as a version 1.0 file (2.0 when the header
/// is too long), atomically. dtypes: bool, uint8..uint64, int8..int64, float16, float32,
/// float64; others (bfloat16, complex64) throw std::invalid_argument.
void write_npy(const std::string& path, const mx::array& a);
/// The same into a string.
std::string encode_npy(const mx::array& a);

}  // namespace robomlx
