// SPDX-License-Identifier: Apache-2.0
// The "spatial" processing block: librealsense's option names over spatial_filter().
#include <cmath>
#include <memory>

#include "robomlx/core/check.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/spatial_filter.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.spatial";

class SpatialBlock : public ProcessingBlock {
 public:
  std::string name() const override { return "spatial"; }

  Frame process(const Frame& in) override {
    if (in.format != FrameFormat::z16 && in.format != FrameFormat::disparity32) {
      fail_argument(kTag, std::string("input format must be z16 or disparity32, got ") + to_string(in.format));
    }
    Frame out = in;
    out.data = spatial_filter(in.data, options_);
    return out;
  }

  std::map<std::string, OptionRange> options() const override {
    SpatialFilterOptions d;
    return {{"filter_magnitude", {1, 5, 1, float(d.iterations), "Filtering iterations"}},
            {"filter_smooth_alpha", {0.25f, 1, 0.01f, d.alpha, "Weight of the current pixel (1 = no smoothing)"}},
            {"filter_smooth_delta", {1, 50, 1, float(d.delta), "Edge threshold, input units"}},
            {"holes_fill", {0, 5, 1, float(d.holes_fill),
                            "Hole filling: 0 off, 1/2/3/4 = 2/4/8/16-pixel radius, 5 unlimited"}}};
  }

  float get_option(const std::string& option) const override {
    if (option == "filter_magnitude") return float(options_.iterations);
    if (option == "filter_smooth_alpha") return options_.alpha;
    if (option == "filter_smooth_delta") return float(options_.delta);
    if (option == "holes_fill") return float(options_.holes_fill);
    unknown(option);
  }

  void set_option(const std::string& option, float value) override {
    auto all = options();
    auto it = all.find(option);
    if (it == all.end()) unknown(option);
    check_range(kTag, option, value, it->second.min, it->second.max);
    if (option == "filter_smooth_alpha") {
      options_.alpha = value;
      return;
    }
    if (value != std::floor(value)) fail_argument(kTag, option + " must be an integer, got " + std::to_string(value));
    int v = static_cast<int>(value);
    if (option == "filter_magnitude") options_.iterations = v;
    if (option == "filter_smooth_delta") options_.delta = v;
    if (option == "holes_fill") options_.holes_fill = v;
  }

 private:
  [[noreturn]] void unknown(const std::string& option) const {
    fail_argument(kTag, "unknown option '" + option +
                            "'; known: filter_magnitude, filter_smooth_alpha, filter_smooth_delta, holes_fill");
  }
  SpatialFilterOptions options_;
};

std::unique_ptr<ProcessingBlock> make_spatial() { return std::make_unique<SpatialBlock>(); }
}  // namespace

ROBOMLX_DEPTH_BLOCK(spatial, "spatial", make_spatial);

}  // namespace robomlx::depth
