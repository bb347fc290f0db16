// SPDX-License-Identifier: Apache-2.0
// The "temporal" processing block: librealsense's option names over TemporalFilter. Any option
// change, and any change of frame size or format, resets the per-pixel history.
#include <cmath>
#include <memory>

#include "robomlx/core/check.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/temporal_filter.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.temporal";

class TemporalBlock : public ProcessingBlock {
 public:
  std::string name() const override { return "temporal"; }

  Frame process(const Frame& in) override {
    if (in.format != FrameFormat::z16 && in.format != FrameFormat::disparity32) {
      fail_argument(kTag, std::string("input format must be z16 or disparity32, got ") + to_string(in.format));
    }
    Frame out = in;
    out.data = filter_.process(in.data);
    return out;
  }

  std::map<std::string, OptionRange> options() const override {
    TemporalFilterOptions d;
    return {{"filter_smooth_alpha", {0, 1, 0.01f, d.alpha, "Weight of the current frame (1 = no smoothing)"}},
            {"filter_smooth_delta", {1, 100, 1, float(d.delta), "Edge threshold, input units"}},
            {"holes_fill", {0, 8, 1, float(d.persistence),
                            "Persistency: 0 off, 1 valid in 8/8, 2 in 2/last 3, 3 in 2/last 4, 4 in 2/8, "
                            "5 in 1/last 2, 6 in 1/last 5, 7 in 1/8, 8 always"}}};
  }

  float get_option(const std::string& option) const override {
    const auto& o = filter_.options();
    if (option == "filter_smooth_alpha") return o.alpha;
    if (option == "filter_smooth_delta") return float(o.delta);
    if (option == "holes_fill") return float(o.persistence);
    unknown(option);
  }

  void set_option(const std::string& option, float value) override {
    auto all = options();
    auto it = all.find(option);
    if (it == all.end()) unknown(option);
    check_range(kTag, option, value, it->second.min, it->second.max);
    auto o = filter_.options();
    if (option == "filter_smooth_alpha") {
      o.alpha = value;
    } else {
      if (value != std::floor(value)) fail_argument(kTag, option + " must be an integer, got " + std::to_string(value));
      (option == "filter_smooth_delta" ? o.delta : o.persistence) = static_cast<int>(value);
    }
    filter_.set_options(o);
  }

  void reset() override { filter_.reset(); }

 private:
  [[noreturn]] void unknown(const std::string& option) const {
    fail_argument(kTag, "unknown option '" + option + "'; known: filter_smooth_alpha, filter_smooth_delta, holes_fill");
  }
  TemporalFilter filter_;
};

std::unique_ptr<ProcessingBlock> make_temporal() { return std::make_unique<TemporalBlock>(); }
}  // namespace

ROBOMLX_DEPTH_BLOCK(temporal, "temporal", make_temporal);

}  // namespace robomlx::depth
