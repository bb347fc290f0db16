// SPDX-License-Identifier: Apache-2.0
// PLY decoder: any input either decodes or throws FormatError; a decoded file re-encodes
// (binary and ASCII) and decodes back to the same values.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/core/io/ply_detail.h"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void same_values(const robomlx::PlyData& a, const robomlx::PlyData& b) {
  require(a.count == b.count && a.properties.size() == b.properties.size());
  for (std::size_t k = 0; k < a.properties.size(); ++k) {
    const auto& p = a.properties[k];
    const auto& q = b.properties[k];
    require(p.name == q.name && p.type == q.type && p.bytes.size() == q.bytes.size());
    std::size_t sz = robomlx::ply_type_size(p.type);
    for (std::size_t i = 0; i < a.count; ++i) {
      double x = robomlx::detail::load_as_double(p.type, p.bytes.data() + i * sz);
      double y = robomlx::detail::load_as_double(q.type, q.bytes.data() + i * sz);
      require(x == y || (std::isnan(x) && std::isnan(y)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  robomlx::PlyData d;
  try {
    d = robomlx::decode_ply(data, size, "fuzz.ply");
  } catch (const robomlx::FormatError&) {
    return 0;
  }
  if (d.count > 4096 || d.properties.size() > 64) return 0;  // keep iterations fast
  for (const auto& p : d.properties) {
    require(p.bytes.size() == d.count * robomlx::ply_type_size(p.type));
  }
  if (d.has("x") && d.has("y") && d.has("z")) mlx::core::eval(d.positions());
  if (auto c = d.colors()) mlx::core::eval(*c);
  if (!d.properties.empty()) mlx::core::eval(d.column(d.properties[0].name));
  std::string binary = robomlx::encode_ply(d);
  same_values(d, robomlx::decode_ply(binary.data(), binary.size(), "re.ply"));
  std::string ascii = robomlx::encode_ply(d, robomlx::PlyFormat::Ascii);
  same_values(d, robomlx::decode_ply(ascii.data(), ascii.size(), "re-ascii.ply"));
  return 0;
}
