// SPDX-License-Identifier: Apache-2.0
// Animated GIF (GIF89a) of RGB frames for `robomlx sim play`: one global palette made of the
// frames' colours (drawings use a handful; more than 256 is refused), LZW-coded frames, looping
// forever. Written from the GIF89a specification.
#pragma once

#include <string>
#include <vector>

#include "robomlx/core/image.h"

namespace robomlx::sim {

/// The GIF file's bytes: `frames` all uint8 RGB of one size, shown `delay_cs` hundredths of a
/// second each. Throws std::invalid_argument for no frames, mixed sizes or > 256 colours.
std::vector<unsigned char> encode_gif(const std::vector<Image>& frames, int delay_cs);

/// encode_gif written atomically to `path`.
void write_gif(const std::string& path, const std::vector<Image>& frames, int delay_cs);

}  // namespace robomlx::sim
