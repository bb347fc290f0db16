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

/// Reads a whole recording (memory-mapped; every frame is decoded into memory, so very long
/// recordings need RAM for all their frames). Throws FormatError naming file, byte offset, field.
Recording read_recording(const std::string& path);
/// Same from memory (`name` is used in error messages); the entry point the fuzzer drives.
Recording parse_recording(std::string_view bytes, const std::string& name);

}  // namespace robomlx::depth
