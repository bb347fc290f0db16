// SPDX-License-Identifier: Apache-2.0
// The camera files a splat user brings (splat/transforms_json.h, splat/cameras_json.h). The first
// byte picks the format (nerfstudio / Blender transforms.json, or graphdeco's cameras.json); the
// rest is the file. Any content either parses or throws FormatError; cameras that parse and that
// the writer takes are written and read back to as many cameras with the same sizes.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/splat/cameras_json.h"
#include "robomlx/splat/transforms_json.h"

namespace {

using namespace robomlx::splat;

void require(bool ok) {
  if (!ok) std::abort();
}

void same_sizes(const std::vector<Camera>& a, const std::vector<Camera>& b) {
  require(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) require(a[i].width == b[i].width && a[i].height == b[i].height);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  // A folder that does not exist: frames without a size and an image are left out, never read.
  const std::string dir = "/nonexistent-robomlx-fuzz";
  try {
    if (data[0] % 2 == 0) {
      TransformsOptions options;
      options.skip_missing_images = true;
      const auto parsed = parse_transforms_json(body, dir + "/transforms.json", options);
      std::string again;
      try {
        again = encode_transforms_json(parsed.cameras, dir);
      } catch (const std::invalid_argument&) {  // parsed, but not a camera the writer takes
        return 0;
      }
      same_sizes(parse_transforms_json(again, dir + "/again.json", options).cameras, parsed.cameras);
    } else {
      const auto cameras = parse_cameras_json(body, "cameras.json");
      std::string again;
      try {
        again = encode_cameras_json(cameras);
      } catch (const std::invalid_argument&) {
        return 0;
      }
      same_sizes(parse_cameras_json(again, "again.json"), cameras);
    }
  } catch (const robomlx::FormatError&) {
    return 0;
  }
  return 0;
}
