// SPDX-License-Identifier: Apache-2.0
// The "temporal" processing block: librealsense's option names over TemporalFilter. Any option
// change, and any change of frame size or format, resets the per-pixel history.
#include <memory>

#include "robomlx/core/check.h"
#include "robomlx/depth/block_options.h"
#include "robomlx/depth/temporal_filter.h"

namespace robomlx::depth {

namespace {
class TemporalBlock : public TableBlock {
 public:
  TemporalBlock() : TableBlock("temporal") {
    TemporalFilterOptions d;
    table_.add("filter_smooth_alpha", {0, 1, 0.01f, d.alpha, "Weight of the current frame (1 = no smoothing)"});
    table_.add("filter_smooth_delta", {1, 100, 1, float(d.delta), "Edge threshold, input units"});
    table_.add("holes_fill", {0, 8, 1, float(d.persistence),
                              "Persistency: 0 off, 1 valid in 8/8, 2 in 2/last 3, 3 in 2/last 4, 4 in 2/8, "
                              "5 in 1/last 2, 6 in 1/last 5, 7 in 1/8, 8 always"});
  }

  Frame run(const Frame& in, mx::Stream s) override {
    if (in.format != FrameFormat::z16 && in.format != FrameFormat::disparity32) {
      fail_argument(tag(), std::string("input format must be z16 or disparity32, got ") + to_string(in.format));
    }
    Frame out = in;
    out.data = filter_.process(in.data, s);
    return out;
  }

  void set_option(const std::string& option, float value) override {
    table_.set(option, value);
    TemporalFilterOptions o;
    o.alpha = table_.get("filter_smooth_alpha");
    o.delta = static_cast<int>(table_.get("filter_smooth_delta"));
    o.persistence = static_cast<int>(table_.get("holes_fill"));
    filter_.set_options(o);  // resets the history
  }

  void reset() override { filter_.reset(); }

 private:
  TemporalFilter filter_;
};

std::unique_ptr<ProcessingBlock> make_temporal() { return std::make_unique<TemporalBlock>(); }
}  // namespace

ROBOMLX_DEPTH_BLOCK(temporal, "temporal", make_temporal);

}  // namespace robomlx::depth
