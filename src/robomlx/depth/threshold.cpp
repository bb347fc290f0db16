// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/threshold.h"

#include <mlx/ops.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/block_options.h"

namespace robomlx::depth {

namespace {
constexpr const char* kTag = "depth.threshold";
}

void ThresholdOptions::validate() const {
  check_range(kTag, "min_distance", min_distance, 0, 16);
  check_range(kTag, "max_distance", max_distance, 0, 16);
}

Frame threshold(const Frame& in, const ThresholdOptions& options, mx::StreamOrDevice so) {
  options.validate();
  if (in.format != FrameFormat::z16) {
    fail_argument(kTag, std::string("input format must be z16, got ") + to_string(in.format));
  }
  check_ndim(kTag, "depth", in.data, 2);
  check_dtype(kTag, "depth", in.data, {mx::uint16});
  // float(z) * units is exact to the same float32 product librealsense computes.
  const mx::Stream s = op_stream(so);
  const auto d = mx::multiply(mx::astype(in.data, mx::float32, s), mx::array(in.depth_units, mx::float32), s);
  const auto keep = mx::logical_and(mx::greater_equal(d, mx::array(options.min_distance, mx::float32), s),
                                    mx::less_equal(d, mx::array(options.max_distance, mx::float32), s), s);
  Frame out = in;
  out.data = mx::where(keep, in.data, mx::array(0, mx::uint16), s);
  return out;
}

namespace {

class ThresholdBlock : public TableBlock {
 public:
  ThresholdBlock() : TableBlock("threshold") {
    table_.add("min_distance", {0, 16, 0.1f, 0.1f, "Min range in meters"});
    table_.add("max_distance", {0, 16, 0.1f, 4.0f, "Max range in meters"});
  }
  void set_option(const std::string& option, float value) override {
    // librealsense's min/max_distance_option coupling (src/option.cpp); range first so a bad
    // value changes nothing.
    const auto& r = table_.ranges();
    if (r.count(option)) check_range(tag(), option, value, r.at(option).min, r.at(option).max);
    if (option == "min_distance" && table_.get("max_distance") < value) table_.force("max_distance", 16);
    if (option == "max_distance" && table_.get("min_distance") > value) table_.force("min_distance", 0);
    table_.set(option, value);
  }
  Frame run(const Frame& in, mx::Stream s) override {
    return threshold(in, {table_.get("min_distance"), table_.get("max_distance")}, s);
  }
};

std::unique_ptr<ProcessingBlock> make_threshold() { return std::make_unique<ThresholdBlock>(); }

}  // namespace

ROBOMLX_DEPTH_BLOCK(threshold, "threshold", make_threshold);

}  // namespace robomlx::depth
