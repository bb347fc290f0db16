// SPDX-License-Identifier: Apache-2.0
// ROS1 bag container: round trips through the writer for every compression, and every way a
// header can lie (truncation, oversize lengths, bad codecs) ending in a FormatError that names
// the file and the byte offset.
#include <algorithm>
#include <string>
#include <vector>

#include "robomlx/core/error.h"
#include "robomlx/depth/bag.h"
#include "robomlx/depth/bag_writer.h"
#include "support.h"

namespace robomlx::depth {
namespace {

struct Seen {
  std::vector<std::string> topics;
  std::vector<std::string> payloads;
  std::vector<std::uint64_t> times;
};

Seen scan(const std::string& bytes) {
  Seen s;
  BagVisitor v;
  v.on_message = [&](const BagMessageView& m) {
    s.topics.push_back(m.connection->topic);
    s.payloads.emplace_back(m.data);
    s.times.push_back(m.time_ns);
  };
  scan_bag(bytes, "mem.bag", v);
  return s;
}

std::string small_bag(const std::string& compression) {
  BagWriter w(compression);
  auto a = w.connection("/a", "std_msgs/String");
  auto b = w.connection("/b", "std_msgs/UInt32");
  w.message(a, 1500000001ull, ros::encode_string("hello"));
  w.message(b, 7, ros::encode_uint32(42));
  w.message(a, 2000000000ull, std::string(3000, 'x'));  // compressible payload
  return w.finish();
}

TEST(DepthBag, RoundTripEveryCompression) {
  for (std::string c : {"none", "lz4", "bz2"}) {
    SCOPED_TRACE(c);
    Seen s = scan(small_bag(c));
    ASSERT_EQ(s.topics.size(), 3u);
    EXPECT_EQ(s.topics[0], "/a");
    EXPECT_EQ(s.topics[1], "/b");
    EXPECT_EQ(s.payloads[0], ros::encode_string("hello"));
    EXPECT_EQ(s.payloads[1], ros::encode_uint32(42));
    EXPECT_EQ(s.payloads[2], std::string(3000, 'x'));
    EXPECT_EQ(s.times[0], 1500000001ull);  // sec/nsec split survives
    EXPECT_EQ(s.times[1], 7ull);
  }
}

TEST(DepthBag, RealRecordingHasLibrealsenseTopics) {
  std::string path = test::shared_dir() + "/data/realsense/single_depth_color_640x480.bag";
  std::vector<std::string> topics;
  BagVisitor v;
  v.on_connection = [&](const BagConnection& c) { topics.push_back(c.topic + " " + c.type); };
  scan_bag(read_file_bytes(path), path, v);
  auto has = [&](const std::string& t) { return std::find(topics.begin(), topics.end(), t) != topics.end(); };
  EXPECT_TRUE(has("/device_0/sensor_0/Depth_0/image/data sensor_msgs/Image"));
  EXPECT_TRUE(has("/device_0/sensor_1/Color_0/info/camera_info sensor_msgs/CameraInfo"));
  EXPECT_TRUE(has("/device_0/sensor_0/option/Depth Units/value std_msgs/Float32"));
  EXPECT_TRUE(has("/device_0/sensor_1/Color_0/tf/0 geometry_msgs/Transform"));
  EXPECT_EQ(topics.size(), 70u);
}

TEST(DepthBag, EveryTruncationIsAFormatErrorWithOffset) {
  for (std::string c : {"none", "lz4", "bz2"}) {
    std::string full = small_bag(c);
    for (std::size_t n = 0; n < full.size(); ++n) {
      std::string cut = full.substr(0, n);
      try {
        scan(cut);
        // A cut exactly between records is a valid (shorter) bag; anything else must throw.
      } catch (const FormatError& e) {
        std::string what = e.what();
        EXPECT_EQ(what.rfind("mem.bag: ", 0), 0u) << what;
        EXPECT_NE(what.find("byte offset"), std::string::npos) << what;
      }
    }
  }
}

TEST(DepthBag, CorruptHeadersNameTheField) {
  std::string good = small_bag("none");
  EXPECT_THROW_MSG(scan("not a bag at all"), FormatError, "mem.bag: byte offset 0: not a ROS1 bag");
  EXPECT_THROW_MSG(scan("#ROSBAG V1.2\n"), FormatError, "unsupported bag version '#ROSBAG V1.2'");
  // header_len of the first record -> 0xFFFFFFF0: must not allocate, must name the field.
  std::string bad = good;
  bad[13] = char(0xF0), bad[14] = char(0xFF), bad[15] = char(0xFF), bad[16] = char(0xFF);
  EXPECT_THROW_MSG(scan(bad), FormatError, "byte offset 13: unknown record, field 'header': truncated: declares 4294967280");
  // Chunk compression name.
  std::string codec = good;
  auto pos = codec.find("compression=none");
  codec.replace(pos, 16, "compression=zzzz");
  EXPECT_THROW_MSG(scan(codec), FormatError, "field 'compression': unsupported 'zzzz'");
}

TEST(DepthBag, ChunkSizeLiesAreCaught) {
  BagWriter w("lz4");
  auto a = w.connection("/a", "std_msgs/String");
  w.message(a, 1, std::string(5000, 'y'));
  std::string bag = w.finish();
  auto pos = bag.find("size=");
  ASSERT_NE(pos, std::string::npos);
  std::string small = bag, huge = bag;
  small[pos + 5] = 10, small[pos + 6] = 0, small[pos + 7] = 0, small[pos + 8] = 0;
  EXPECT_THROW_MSG(scan(small), FormatError, "decompresses to more than the declared 10 bytes");
  huge[pos + 5] = char(0xFF), huge[pos + 6] = char(0xFF), huge[pos + 7] = char(0xFF), huge[pos + 8] = char(0x7F);
  EXPECT_THROW_MSG(scan(huge), FormatError, "exceeds the 1073741824-byte limit");
}

TEST(DepthBag, UnknownConnectionIsReported) {
  BagWriter w("none");
  w.connection("/a", "std_msgs/String");
  w.message(9, 1, "x");
  EXPECT_THROW_MSG(scan(w.finish()), FormatError, "field 'conn': unknown connection id 9");
}

TEST(DepthBag, MissingFileIsAFormatError) {
  EXPECT_THROW_MSG(read_file_bytes("/nonexistent/x.bag"), FormatError, "/nonexistent/x.bag: cannot open file");
}

}  // namespace
}  // namespace robomlx::depth
