// SPDX-License-Identifier: Apache-2.0
// Recording = frames + metadata from a librealsense bag. The real D435 recording must decode to
// exactly the golden input frames and the intrinsics/extrinsics recorded in the golden case.json.
#include <cmath>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/bag.h"
#include "robomlx/depth/bag_writer.h"
#include "robomlx/depth/recording.h"
#include "support.h"

namespace robomlx::depth {
namespace {

std::string real_bag() { return test::shared_dir() + "/data/realsense/single_depth_color_640x480.bag"; }

nlohmann::json golden_case(const std::string& name) {
  std::ifstream in(test::shared_dir() + "/golden/realsense/" + name + "/case.json");
  return nlohmann::json::parse(in);
}

TEST(DepthRecording, RealBagMatchesGoldenFramesExactly) {
  Recording rec = read_recording(real_bag());
  ASSERT_EQ(rec.depth.size(), 2u);  // frames #169 and #170; playback's frameset holds #170
  ASSERT_EQ(rec.color.size(), 1u);
  EXPECT_EQ(rec.depth[0].frame_number, 169);
  const Frame& d = rec.depth[1];
  EXPECT_EQ(d.frame_number, 170);
  EXPECT_EQ(d.format, FrameFormat::z16);
  Image want = read_pnm(test::shared_dir() + "/golden/realsense/inputs/real_depth_640x480.pgm");
  EXPECT_TRUE(exactly_equal(d.data, want.to_array_2d()).ok);
  const Frame& c = rec.color[0];
  EXPECT_EQ(c.frame_number, 162);
  EXPECT_EQ(c.format, FrameFormat::rgb8);
  Image want_c = read_pnm(test::shared_dir() + "/golden/realsense/inputs/real_color_640x480.ppm");
  EXPECT_TRUE(exactly_equal(c.data, want_c.to_array()).ok);
  EXPECT_EQ(rec.color_for(d), &rec.color[0]);
  EXPECT_EQ(rec.device_info.at("Name"), "Intel RealSense D435");
  EXPECT_EQ(rec.file_version, 3u);
}

TEST(DepthRecording, RealBagMetadataMatchesGoldenCase) {
  Recording rec = read_recording(real_bag());
  auto j = golden_case("pointcloud_real_to_color");
  const auto& di = j["inputs"][0]["intrinsics"];
  const auto& ci = j["texture_intrinsics"];
  const Frame& d = rec.depth.back();
  // Bag values are float32 widened to double, as in case.json: exact equality.
  EXPECT_EQ(d.intrinsics.fx, float(di["fx"].get<double>()));
  EXPECT_EQ(d.intrinsics.fy, float(di["fy"].get<double>()));
  EXPECT_EQ(d.intrinsics.ppx, float(di["ppx"].get<double>()));
  EXPECT_EQ(d.intrinsics.ppy, float(di["ppy"].get<double>()));
  EXPECT_EQ(d.intrinsics.width, 640);
  EXPECT_EQ(d.intrinsics.model, Distortion::brown_conrady);
  EXPECT_EQ(d.depth_units, float(j["depth_units"].get<double>()));
  EXPECT_EQ(d.baseline_mm, float(j["stereo_baseline_mm"].get<double>()));
  ASSERT_TRUE(rec.color_intrinsics.has_value());
  EXPECT_EQ(rec.color_intrinsics->fx, float(ci["fx"].get<double>()));
  EXPECT_EQ(rec.color_intrinsics->fy, float(ci["fy"].get<double>()));
  EXPECT_EQ(rec.color_intrinsics->ppx, float(ci["ppx"].get<double>()));
  EXPECT_EQ(rec.color_intrinsics->ppy, float(ci["ppy"].get<double>()));
  EXPECT_EQ(rec.color[0].intrinsics.fx, rec.color_intrinsics->fx);
  // Extrinsics: the bag stores a quaternion (float64 of float32 values), librealsense a float32
  // matrix; the conversions round differently, so compare to 1e-6 (rotation) / 1e-8 m.
  ASSERT_TRUE(rec.depth_to_color.has_value());
  const auto& e = j["extrinsics_depth_to_color"];
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(rec.depth_to_color->rotation[i], e["rotation_column_major"][i].get<double>(), 1e-6) << i;
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(rec.depth_to_color->translation[i], e["translation_m"][i].get<double>(), 1e-8) << i;
}

// A tiny synthetic recording through the writer: big-endian flag, bgr8, missing options.
std::string synth_bag(const std::string& compression, const std::string& depth_encoding = "mono16",
                      std::uint32_t step = 8, std::uint32_t cam_w = 4) {
  BagWriter w(compression);
  auto img = w.connection("/device_0/sensor_0/Depth_0/image/data", "sensor_msgs/Image");
  auto info = w.connection("/device_0/sensor_0/Depth_0/info/camera_info", "sensor_msgs/CameraInfo");
  auto units = w.connection("/device_0/sensor_0/option/Depth Units/value", "std_msgs/Float32");
  w.message(info, 1, ros::encode_camera_info(cam_w, 2, "Inverse Brown Conrady", {0.1, 0.2, 0, 0, 0}, 5, 6, 1.5, 0.5));
  w.message(units, 1, ros::encode_float32(0.0001f));
  std::string px;
  for (std::uint16_t v : {1, 2, 3, 65535, 0, 1000, 7, 8}) px.append(reinterpret_cast<const char*>(&v), 2);
  w.message(img, 2000000, ros::encode_image(12, 33.5, 4, 2, depth_encoding, step, px));
  return w.finish();
}

TEST(DepthRecording, SyntheticBagDecodes) {
  for (std::string c : {"none", "lz4", "bz2"}) {
    Recording rec = parse_recording(synth_bag(c), "s.bag");
    ASSERT_EQ(rec.depth.size(), 1u);
    const Frame& f = rec.depth[0];
    EXPECT_TRUE(exactly_equal(f.data, mx::array({1, 2, 3, 65535, 0, 1000, 7, 8}, {2, 4}, mx::uint16)).ok);
    EXPECT_EQ(f.frame_number, 12);
    EXPECT_DOUBLE_EQ(f.timestamp_ms, 33.5);
    EXPECT_EQ(f.intrinsics.model, Distortion::inverse_brown_conrady);
    EXPECT_FLOAT_EQ(f.intrinsics.coeffs[1], 0.2f);
    EXPECT_FLOAT_EQ(f.depth_units, 0.0001f);
    EXPECT_FALSE(rec.baseline_mm.has_value());
    EXPECT_TRUE(rec.color.empty());
    EXPECT_FALSE(rec.depth_to_color.has_value());
  }
}

TEST(DepthRecording, BadImagesNameTheField) {
  EXPECT_THROW_MSG(parse_recording(synth_bag("none", "rgb8"), "s.bag"), FormatError,
                   "sensor_msgs/Image field 'encoding': depth stream must be mono16/16UC1 (Z16), got 'rgb8'");
  EXPECT_THROW_MSG(parse_recording(synth_bag("none", "mono16", 6), "s.bag"), FormatError,
                   "field 'step': 6 is less than width x bytes per pixel = 8");
  EXPECT_THROW_MSG(parse_recording(synth_bag("none", "mono16", 10), "s.bag"), FormatError,
                   "field 'data': holds 16 bytes");
  EXPECT_THROW_MSG(parse_recording(synth_bag("none", "mono16", 8, 5), "s.bag"), FormatError,
                   "Depth image is 4x2 but its camera_info says 5x2");
  BagWriter w("none");
  w.connection("/x", "std_msgs/String");
  EXPECT_THROW_MSG(parse_recording(w.finish(), "e.bag"), FormatError, "e.bag: no Depth stream");
}

TEST(DepthRecording, TruncatedMessageNamesTopicAndField) {
  BagWriter w("none");
  auto img = w.connection("/device_0/sensor_0/Depth_0/image/data", "sensor_msgs/Image");
  std::string msg = ros::encode_image(1, 0, 4, 2, "mono16", 8, std::string(16, '\0'));
  w.message(img, 1, msg.substr(0, 30));  // cut inside the encoding string
  EXPECT_THROW_MSG(parse_recording(w.finish(), "t.bag"), FormatError,
                   "(topic '/device_0/sensor_0/Depth_0/image/data'): sensor_msgs/Image field 'encoding'");
}

TEST(DepthRecording, EveryTruncationOfTheRealBagFailsCleanly) {
  std::string bytes = read_file_bytes(real_bag());
  // Cuts at a spread of offsets (the whole sweep is the fuzzer's job).
  for (std::size_t n : {std::size_t(0), std::size_t(5), std::size_t(13), std::size_t(100), std::size_t(4200),
                        bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_THROW(parse_recording(bytes.substr(0, n), "cut.bag"), FormatError) << n;
  }
}

TEST(DepthRecording, StreamingMatchesWholeFileRead) {
  Recording all = read_recording(real_bag());
  MappedFile file(real_bag());
  std::vector<long long> numbers;
  std::vector<bool> had_colour;
  std::size_t n = stream_recording(file.bytes(), real_bag(), [&](const Frame& d, const Frame* c, const Recording& meta) {
    std::size_t i = numbers.size();
    numbers.push_back(d.frame_number);
    had_colour.push_back(c != nullptr);
    EXPECT_TRUE(exactly_equal(d.data, all.depth[i].data).ok) << i;
    EXPECT_EQ(d.intrinsics.fx, all.depth[i].intrinsics.fx);
    EXPECT_EQ(d.baseline_mm, *all.baseline_mm);
    EXPECT_EQ(meta.device_info.at("Name"), "Intel RealSense D435");
    if (c) {
      EXPECT_TRUE(exactly_equal(c->data, all.color[0].data).ok);
      ASSERT_TRUE(meta.depth_to_color.has_value());
      EXPECT_EQ(meta.depth_to_color->translation[0], all.depth_to_color->translation[0]);
    }
  });
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(numbers, (std::vector<long long>{169, 170}));
  EXPECT_EQ(had_colour, (std::vector<bool>{false, true}));  // colour #162 is written between them
  EXPECT_THROW_MSG(stream_recording(file.bytes().substr(0, 600000), "cut.bag", [](auto&&...) {}), FormatError,
                   "cut.bag: byte offset");
}

TEST(DepthRecording, FuzzSeedsAreValidRecordings) {
  // fuzz/seeds/bag: one synthetic recording per chunk codec (depth + colour + tf + options).
  for (std::string c : {"none", "lz4", "bz2"}) {
    Recording rec = read_recording(test::source_dir() + "/fuzz/seeds/bag/synth_" + c + ".bag");
    ASSERT_EQ(rec.depth.size(), 2u) << c;
    EXPECT_EQ(rec.color.size(), 1u);
    EXPECT_FLOAT_EQ(*rec.baseline_mm, 50.f);
    ASSERT_TRUE(rec.depth_to_color.has_value());
    EXPECT_FLOAT_EQ(rec.depth_to_color->translation[0], 0.015f);
    EXPECT_EQ(rec.device_info.at("Name"), "Synthetic");
  }
}

}  // namespace
}  // namespace robomlx::depth
