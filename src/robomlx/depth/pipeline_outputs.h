// SPDX-License-Identifier: Apache-2.0
// The output stages of `depth process`: colourised depth (the "colorizer" block) and a point
// cloud (depth/depth_to_points.h, texture-mapped to the colour stream like rs2::pointcloud::map_to).
// Both are optional in a build: asking for one that is missing fails at construction, before
// any frame is processed, naming the block.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/depth/frame.h"
#include "robomlx/depth/pipeline.h"

namespace robomlx::depth {

struct CloudPoints {
  std::vector<float> xyz;         // valid vertices only (z > 0), metres, 3 per point
  std::vector<std::uint8_t> rgb;  // 3 per point when a colour frame was mapped, else empty
};

class OutputBlocks {
 public:
  /// Creates the requested output blocks and applies spec.colorizer / spec.pointcloud options.
  OutputBlocks(const ChainSpec& spec, bool colorize, bool cloud);
  ~OutputBlocks();
  /// Texture-map clouds to a colour stream with these intrinsics.
  void map_texture(const Intrinsics& color, const Extrinsics& depth_to_color);
  /// Colourised Z16 frame: [H, W, 3] uint8 RGB, evaluated (computed on stream `s`).
  mx::array colorize(const Frame& depth, mx::StreamOrDevice s = {});
  /// Valid vertices of a Z16 frame, coloured by nearest-pixel lookup (clamped to the image, as
  /// librealsense's PLY export) in `colour` when texture mapping is set and colour is non-null.
  CloudPoints cloud(const Frame& depth, const Frame* colour, mx::StreamOrDevice s = {});
  /// {"colorizer": {...}, "pointcloud": {...}} with the values in effect.
  nlohmann::json effective_options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace robomlx::depth
