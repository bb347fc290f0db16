// SPDX-License-Identifier: Apache-2.0
// The input policies in the .bag reader: the pixel cap on image messages (checked from the
// message's width and height before the pixels are copied) and the non-finite rule for camera
// metadata (intrinsics, distortion, depth units, baseline, transforms), each naming the field.
#include <cmath>
#include <limits>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/depth/bag_writer.h"
#include "robomlx/depth/recording.h"
#include "support.h"

namespace robomlx::depth {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

struct Meta {
  double fx = 5, fy = 6, ppx = 1.5, ppy = 0.5;
  std::vector<double> D = {0.1, 0.2, 0, 0, 0};
  float units = 0.001f, baseline = 50;
  std::array<double, 3> t{0.01, 0, 0};
  std::array<double, 4> q{0, 0, 0, 1};
};

std::string bag_with(const Meta& m) {
  BagWriter w("none");
  auto img = w.connection("/device_0/sensor_0/Depth_0/image/data", "sensor_msgs/Image");
  auto info = w.connection("/device_0/sensor_0/Depth_0/info/camera_info", "sensor_msgs/CameraInfo");
  auto tf = w.connection("/device_0/sensor_0/Depth_0/tf/0", "geometry_msgs/Transform");
  auto units = w.connection("/device_0/sensor_0/option/Depth Units/value", "std_msgs/Float32");
  auto base = w.connection("/device_0/sensor_0/option/Stereo Baseline/value", "std_msgs/Float32");
  w.message(info, 1, ros::encode_camera_info(4, 2, "Brown Conrady", m.D, m.fx, m.fy, m.ppx, m.ppy));
  w.message(tf, 1, ros::encode_transform(m.t, m.q));
  w.message(units, 1, ros::encode_float32(m.units));
  w.message(base, 1, ros::encode_float32(m.baseline));
  w.message(img, 2, ros::encode_image(1, 0, 4, 2, "mono16", 8, std::string(16, '\1')));
  return w.finish();
}

TEST(BagInput, NonFiniteMetadataIsRejectedByField) {
  EXPECT_EQ(parse_recording(bag_with({}), "m.bag").depth.size(), 1u);
  struct Row {
    Meta meta;
    std::string message;
  };
  std::vector<Row> rows;
  auto add = [&](auto edit, const std::string& message) {
    Meta m;
    edit(m);
    rows.push_back({m, message});
  };
  add([](Meta& m) { m.fx = kNan; }, "sensor_msgs/CameraInfo field 'K[0] (fx)' must be finite, got nan");
  add([](Meta& m) { m.ppy = -kInf; }, "sensor_msgs/CameraInfo field 'K[5] (ppy)' must be finite, got -inf");
  add([](Meta& m) { m.D[3] = kInf; }, "sensor_msgs/CameraInfo field 'D[3]' must be finite, got inf");
  add([](Meta& m) { m.units = float(kNan); }, "field 'data' (Depth Units, metres per unit) must be finite and > 0, got nan");
  add([](Meta& m) { m.units = 0; }, "(Depth Units, metres per unit) must be finite and > 0, got 0");
  add([](Meta& m) { m.baseline = float(kInf); }, "(Stereo Baseline, mm) must be finite, got inf");
  add([](Meta& m) { m.t[1] = kNan; }, "geometry_msgs/Transform field 'translation' must be finite, got nan");
  add([](Meta& m) { m.q[3] = kInf; }, "geometry_msgs/Transform field 'rotation' must be finite, got inf");
  for (const auto& r : rows) EXPECT_THROW_MSG(parse_recording(bag_with(r.meta), "m.bag"), FormatError, r.message);
}

TEST(BagInput, ImageMessagesMeetThePixelCap) {
  set_input_cap(InputCap::pixels, 7);
  EXPECT_THROW_MSG(parse_recording(bag_with({}), "m.bag"), InputLimitError,
                   "(topic '/device_0/sensor_0/Depth_0/image/data'): Depth image 4x2 (8 pixels) exceeds the pixels cap "
                   "of 7 (raise it with --max-pixels N or ROBOMLX_MAX_PIXELS=N)");
  EXPECT_THROW(stream_recording(bag_with({}), "m.bag", [](const Frame&, const Frame*, const Recording&) {}),
               InputLimitError);
  set_input_cap(InputCap::pixels, 8);
  EXPECT_EQ(parse_recording(bag_with({}), "m.bag").depth.size(), 1u);
  set_input_cap(InputCap::pixels, 0);
}

}  // namespace
}  // namespace robomlx::depth
