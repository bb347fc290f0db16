// SPDX-License-Identifier: Apache-2.0
// 3DGS PLY layout (splat/gaussian_ply.h) over core's PLY decoder: any input either gives a scene
// or throws FormatError; a scene re-encodes in the standard layout and reads back bit-exactly.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/splat/gaussian_ply.h"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void same_bits(const mlx::core::array& a, const mlx::core::array& b) {
  require(a.shape() == b.shape() && a.dtype() == mlx::core::float32 && b.dtype() == mlx::core::float32);
  auto x = mlx::core::contiguous(a, false, mlx::core::Device::cpu);
  auto y = mlx::core::contiguous(b, false, mlx::core::Device::cpu);
  mlx::core::eval(x, y);
  require(std::memcmp(x.data<float>(), y.data<float>(), x.nbytes()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace robomlx;
  splat::GaussianScene scene;
  try {
    const PlyData ply = decode_ply(data, size, "fuzz.ply");
    if (ply.count > 4096 || ply.properties.size() > 128) return 0;  // keep iterations fast
    scene = splat::gaussian_scene_from_ply(ply, "fuzz.ply");
  } catch (const FormatError&) {
    return 0;
  }
  scene.validate();  // what the reader returns is always a valid scene
  const std::string bytes = encode_ply(splat::gaussian_scene_to_ply(scene));
  const splat::GaussianScene back = splat::gaussian_scene_from_ply(decode_ply(bytes.data(), bytes.size(), "re.ply"), "re.ply");
  require(back.sh_degree == scene.sh_degree);
  same_bits(back.means, scene.means);
  same_bits(back.log_scales, scene.log_scales);
  same_bits(back.rotations, scene.rotations);
  same_bits(back.opacity_logits, scene.opacity_logits);
  same_bits(back.sh, scene.sh);
  return 0;
}
