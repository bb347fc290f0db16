// SPDX-License-Identifier: Apache-2.0
// The "spatial" processing block: librealsense's option names over spatial_filter().
#include <memory>

#include "robomlx/core/check.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/spatial_filter.h"

namespace robomlx::depth {

namespace {
class SpatialBlock : public TableBlock {
 public:
  SpatialBlock() : TableBlock("spatial") {
    SpatialFilterOptions d;
    table_.add("filter_magnitude", {1, 5, 1, float(d.iterations), "Filtering iterations"});
    table_.add("filter_smooth_alpha", {0.25f, 1, 0.01f, d.alpha, "Weight of the current pixel (1 = no smoothing)"});
    table_.add("filter_smooth_delta", {1, 50, 1, float(d.delta), "Edge threshold, input units"});
    table_.add("holes_fill", {0, 5, 1, float(d.holes_fill),
                              "Hole filling: 0 off, 1/2/3/4 = 2/4/8/16-pixel radius, 5 unlimited"});
  }

  Frame run(const Frame& in, mx::Stream s) override {
    if (in.format != FrameFormat::z16 && in.format != FrameFormat::disparity32) {
      fail_argument(tag(), std::string("input format must be z16 or disparity32, got ") + to_string(in.format));
    }
    SpatialFilterOptions o;
    o.alpha = table_.get("filter_smooth_alpha");
    o.delta = static_cast<int>(table_.get("filter_smooth_delta"));
    o.iterations = static_cast<int>(table_.get("filter_magnitude"));
    o.holes_fill = static_cast<int>(table_.get("holes_fill"));
    Frame out = in;
    out.data = spatial_filter(in.data, o, s);
    return out;
  }
};

std::unique_ptr<ProcessingBlock> make_spatial() { return std::make_unique<SpatialBlock>(); }
}  // namespace

ROBOMLX_DEPTH_BLOCK(spatial, "spatial", make_spatial);

}  // namespace robomlx::depth
