// SPDX-License-Identifier: Apache-2.0
// The "hole_filling" processing block: librealsense's holes_fill option over hole_filling().
#include <cmath>
#include <memory>

#include "robomlx/core/check.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/hole_filling.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.hole_filling";

class HoleFillingBlock : public ProcessingBlock {
 public:
  std::string name() const override { return "hole_filling"; }

  Frame process(const Frame& in) override {
    if (in.format != FrameFormat::z16 && in.format != FrameFormat::disparity32) {
      fail_argument(kTag, std::string("input format must be z16 or disparity32, got ") + to_string(in.format));
    }
    Frame out = in;
    out.data = hole_filling(in.data, options_);
    return out;
  }

  std::map<std::string, OptionRange> options() const override {
    return {{"holes_fill", {0, 2, 1, float(HoleFillingOptions{}.mode),
                            "0 fill from left, 1 farest from around, 2 nearest from around"}}};
  }

  float get_option(const std::string& option) const override {
    if (option != "holes_fill") unknown(option);
    return float(options_.mode);
  }

  void set_option(const std::string& option, float value) override {
    if (option != "holes_fill") unknown(option);
    check_range(kTag, option, value, 0, 2);
    if (value != std::floor(value)) fail_argument(kTag, option + " must be an integer, got " + std::to_string(value));
    options_.mode = static_cast<int>(value);
  }

 private:
  [[noreturn]] void unknown(const std::string& option) const {
    fail_argument(kTag, "unknown option '" + option + "'; known: holes_fill");
  }
  HoleFillingOptions options_;
};

std::unique_ptr<ProcessingBlock> make_hole_filling() { return std::make_unique<HoleFillingBlock>(); }
}  // namespace

ROBOMLX_DEPTH_BLOCK(hole_filling, "hole_filling", make_hole_filling);

}  // namespace robomlx::depth
