// SPDX-License-Identifier: Apache-2.0
// Local binary PLY writer for point-cloud outputs (core/io/ply.h is not available yet).
#include <stdexcept>
#include <string>

#include "robomlx/core/io/atomic_file.h"
#include "robomlx/depth/pipeline_run.h"

namespace robomlx::depth {

void write_ply(const std::string& path, const std::vector<float>& xyz, const std::vector<std::uint8_t>& rgb) {
  if (xyz.size() % 3 != 0) throw std::invalid_argument("[depth.ply] xyz must hold 3 floats per point");
  std::size_t n = xyz.size() / 3;
  bool colour = !rgb.empty();
  if (colour && rgb.size() != n * 3) throw std::invalid_argument("[depth.ply] rgb must hold 3 bytes per point");
  std::string header = "ply\nformat binary_little_endian 1.0\ncomment robomlx depth process\nelement vertex " +
                       std::to_string(n) + "\nproperty float x\nproperty float y\nproperty float z\n";
  if (colour) header += "property uchar red\nproperty uchar green\nproperty uchar blue\n";
  header += "end_header\n";
  std::string body;
  body.reserve(n * (colour ? 15 : 12));
  for (std::size_t i = 0; i < n; ++i) {
    body.append(reinterpret_cast<const char*>(&xyz[3 * i]), 12);  // little-endian hosts only
    if (colour) body.append(reinterpret_cast<const char*>(&rgb[3 * i]), 3);
  }
  AtomicFile f(path);
  f.write(header);
  f.write(body);
  f.commit();
}

}  // namespace robomlx::depth
