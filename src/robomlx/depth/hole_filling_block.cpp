// SPDX-License-Identifier: Apache-2.0
// The "hole_filling" processing block: librealsense's holes_fill option over hole_filling().
#include <memory>

#include "robomlx/core/check.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/hole_filling.h"

namespace robomlx::depth {

namespace {
class HoleFillingBlock : public TableBlock {
 public:
  HoleFillingBlock() : TableBlock("hole_filling") {
    table_.add("holes_fill", {0, 2, 1, float(HoleFillingOptions{}.mode),
                              "0 fill from left, 1 farest from around, 2 nearest from around"});
  }

  Frame run(const Frame& in, mx::Stream s) override {
    if (in.format != FrameFormat::z16 && in.format != FrameFormat::disparity32) {
      fail_argument(tag(), std::string("input format must be z16 or disparity32, got ") + to_string(in.format));
    }
    Frame out = in;
    out.data = hole_filling(in.data, {.mode = static_cast<int>(table_.get("holes_fill"))}, s);
    return out;
  }
};

std::unique_ptr<ProcessingBlock> make_hole_filling() { return std::make_unique<HoleFillingBlock>(); }
}  // namespace

ROBOMLX_DEPTH_BLOCK(hole_filling, "hole_filling", make_hole_filling);

}  // namespace robomlx::depth
