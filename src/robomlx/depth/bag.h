// SPDX-License-Identifier: Apache-2.0
// ROS1 bag v2.0 reader (the container librealsense records .bag files in).
//
// File layout: the magic line "#ROSBAG V2.0\n", then records of
//   uint32 header_len | header (fields: uint32 len, "name=value") | uint32 data_len | data
// all little-endian. The header field "op" (uint8) gives the record kind (BagOp). Chunks hold
// connection and message records, compressed with "none", "lz4" (roslz4 writes the LZ4 frame
// format) or "bz2". Index and chunk-info records are skipped: the reader scans every record in
// file order, so a bag whose index was never written (recording interrupted) still reads.
//
// Every length comes from the file and is checked against the bytes that remain before it is
// used, so truncated or corrupt input throws FormatError naming the file, the byte offset, the
// record and the field; no allocation is larger than the input or a chunk's declared size
// (itself capped at kMaxChunkSize).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace robomlx::depth {

enum class BagOp : std::uint8_t {
  message_data = 0x02,
  bag_header = 0x03,
  index_data = 0x04,
  chunk = 0x05,
  chunk_info = 0x06,
  connection = 0x07,
};

/// A chunk may not declare more uncompressed bytes than this (librealsense writes ~1 MiB chunks).
inline constexpr std::uint64_t kMaxChunkSize = std::uint64_t(1) << 30;

struct BagConnection {
  std::uint32_t id = 0;
  std::string topic;
  std::string type;                // e.g. "sensor_msgs/Image"
  std::string md5sum;
  std::string message_definition;
};

/// One message as the scanner hands it out; `data` is valid only during the callback.
struct BagMessageView {
  const BagConnection* connection = nullptr;
  std::uint64_t time_ns = 0;       // record time (sec * 1e9 + nsec)
  std::string_view data;           // ROS1-serialised message body
  std::string where;               // "chunk at byte N, record at chunk byte M" for error messages
};

struct BagVisitor {
  std::function<void(const BagConnection&)> on_connection;  // optional
  std::function<void(const BagMessageView&)> on_message;    // optional
};

/// Scans an in-memory bag (`name` is the file name used in errors). Throws FormatError.
void scan_bag(std::string_view bytes, const std::string& name, const BagVisitor& visitor);

/// Decompresses one chunk body; `expected_size` is the chunk's declared uncompressed size.
/// Throws FormatError(name, "<where>: ...") when the data is corrupt or the size differs.
std::string decompress_chunk(std::string_view compression, std::string_view data, std::uint64_t expected_size,
                             const std::string& name, const std::string& where);

/// Whole-file read into memory; throws FormatError for a missing or unreadable file.
std::string read_file_bytes(const std::string& path);

}  // namespace robomlx::depth
