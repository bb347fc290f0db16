// SPDX-License-Identifier: Apache-2.0
// Point-cloud output of the pipeline: host vectors handed to the core binary PLY writer.
#include <stdexcept>
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/io/ply.h"
#include "robomlx/depth/pipeline_run.h"

namespace robomlx::depth {

void write_ply(const std::string& path, const std::vector<float>& xyz, const std::vector<std::uint8_t>& rgb) {
  if (xyz.size() % 3 != 0) throw std::invalid_argument("[depth.ply] xyz must hold 3 floats per point");
  const int n = static_cast<int>(xyz.size() / 3);
  const bool colour = !rgb.empty();
  if (colour && rgb.size() != xyz.size()) throw std::invalid_argument("[depth.ply] rgb must hold 3 bytes per point");
  PlyPoints points;
  // mx::array copies the host data; an empty cloud needs no source pointer.
  points.positions = n > 0 ? mx::array(xyz.data(), {n, 3}, mx::float32) : mx::zeros({0, 3}, mx::float32);
  if (colour) points.colors = mx::array(rgb.data(), {n, 3}, mx::uint8);
  write_ply_points(path, points);  // binary little-endian, x y z [red green blue], atomic
}

}  // namespace robomlx::depth
