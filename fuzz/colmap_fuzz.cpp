// SPDX-License-Identifier: Apache-2.0
// COLMAP model files (splat/colmap.h). The first byte picks the file (cameras, images, points3D)
// and the form (text or binary); the rest is its content. Any content either parses or throws
// FormatError; what parses and the writer accepts encodes and parses back to the same values.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/splat/colmap.h"

namespace {

using namespace robomlx::splat;

void require(bool ok) {
  if (!ok) std::abort();
}

bool same(const ColmapCamera& a, const ColmapCamera& b) {
  return a.id == b.id && a.model == b.model && a.width == b.width && a.height == b.height && a.params == b.params;
}
bool same(const ColmapImage& a, const ColmapImage& b) {
  return a.id == b.id && a.qvec == b.qvec && a.tvec == b.tvec && a.camera_id == b.camera_id && a.name == b.name;
}

template <typename T>
void same_list(const std::vector<T>& a, const std::vector<T>& b) {
  require(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) require(same(a[i], b[i]));
}

void same_points(const SfmPoints& a, const SfmPoints& b) {
  require(a.xyz.shape() == b.xyz.shape() && a.rgb.shape() == b.rgb.shape());
  auto x = mlx::core::contiguous(a.xyz, false, mlx::core::Device::cpu), y = mlx::core::contiguous(b.xyz, false, mlx::core::Device::cpu);
  auto c = mlx::core::contiguous(a.rgb, false, mlx::core::Device::cpu), d = mlx::core::contiguous(b.rgb, false, mlx::core::Device::cpu);
  mlx::core::eval(x, y, c, d);
  require(std::memcmp(x.data<float>(), y.data<float>(), x.nbytes()) == 0);
  require(std::memcmp(c.data<std::uint8_t>(), d.data<std::uint8_t>(), c.nbytes()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int which = data[0] % 3;
  const ColmapFormat format = (data[0] & 4) ? ColmapFormat::text : ColmapFormat::binary;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (which == 0) {
      const auto cams = parse_colmap_cameras(body, format, "cameras");
      std::string again;
      try {
        again = encode_colmap_cameras(cams, format);
      } catch (const std::invalid_argument&) {  // e.g. duplicate ids: parsed, but not written
        return 0;
      }
      same_list(parse_colmap_cameras(again, format, "re"), cams);
    } else if (which == 1) {
      const auto images = parse_colmap_images(body, format, "images");
      std::string again;
      try {
        again = encode_colmap_images(images, format);
      } catch (const std::invalid_argument&) {  // duplicate ids, names with line breaks (binary)
        return 0;
      }
      same_list(parse_colmap_images(again, format, "re"), images);
    } else {
      const SfmPoints points = parse_colmap_points3d(body, format, "points3D");
      if (points.size() > 4096) return 0;
      same_points(parse_colmap_points3d(encode_colmap_points3d(points, format), format, "re"), points);
    }
  } catch (const robomlx::FormatError&) {
    return 0;
  }
  return 0;
}
