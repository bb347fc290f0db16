// SPDX-License-Identifier: Apache-2.0
// Frames and stream metadata from a librealsense .bag recording (ROS1 bag, librealsense file
// format version 2/3 topic layout):
//   /device_0/sensor_<s>/<Stream>_<i>/image/data         sensor_msgs/Image (Depth: mono16/16UC1)
//   /device_0/sensor_<s>/<Stream>_<i>/info/camera_info   sensor_msgs/CameraInfo (K, D, model)
//   /device_0/sensor_<s>/<Stream>_<i>/tf/0               geometry_msgs/Transform: reference -> stream
//   /device_0/sensor_<s>/option/Depth Units/value        std_msgs/Float32 (metres per unit)
//   /device_0/sensor_<s>/option/Stereo Baseline/value    std_msgs/Float32 (millimetres)
//   /device_0/info, /device_0/sensor_<s>/info            diagnostic_msgs/KeyValue
// Depth frames come out as Z16 [H, W] uint16, colour as RGB8/BGR8/RGBA8/BGRA8 [H, W, C] uint8
// or Y8 [H, W] uint8, on the default device, in recording order (by message time).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct Recording {
  std::string source;                         // file name
  std::vector<Frame> depth;                   // Z16 frames with intrinsics, units and baseline attached
  std::vector<Frame> color;                   // colour frames (empty when the bag has no colour stream)
  std::optional<Intrinsics> depth_intrinsics;
  std::optional<Intrinsics> color_intrinsics;
  std::optional<float> depth_units;           // metres per unit, as recorded
  std::optional<float> baseline_mm;           // stereo baseline, as recorded
  std::optional<Extrinsics> depth_to_color;   // from the streams' tf topics
  std::map<std::string, std::string> device_info;  // /device_0/info: Name, Serial Number, ...
  std::uint32_t file_version = 0;             // /file_version (librealsense writes 2 or 3)

  /// The colour frame nearest in time to `depth` (nullptr when there is none).
  const Frame* color_for(const Frame& depth) const;
};

/// Reads a whole recording, every frame decoded into memory (see stream_recording for long
/// ones). Throws FormatError naming the file, the byte offset and the field.
Recording read_recording(const std::string& path);
/// Same from memory (`name` is used in error messages); the entry point the fuzzer drives.
Recording parse_recording(std::string_view bytes, const std::string& name);

/// Called per depth frame in file order, with the most recent colour frame so far (nullptr
/// before the first) and the metadata known so far (`meta` has no frames; its intrinsics,
/// units, baseline and extrinsics are those recorded before this frame, as librealsense writes
/// them first). The frames are valid only during the call.
using RecordingCallback = std::function<void(const Frame& depth, const Frame* color, const Recording& meta)>;

/// Streams a recording with one depth and one colour frame in memory at a time (long
/// recordings); returns the number of depth frames delivered. Throws FormatError as
/// parse_recording, also when no depth frame was found.
std::size_t stream_recording(std::string_view bytes, const std::string& name, const RecordingCallback& on_depth);

/// A read-only view of a whole file: memory-mapped when possible, else read into memory.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws FormatError when it cannot be opened
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view bytes() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string owned_;
};

}  // namespace robomlx::depth
