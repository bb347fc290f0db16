// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/recording.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/depth/bag.h"
#include "robomlx/depth/ros_msg.h"

namespace robomlx::depth {

namespace {

// Largest side we accept; guards the decoded size even though data length is checked too.
constexpr std::uint32_t kMaxSide = 16384;

std::vector<std::string> split_topic(const std::string& topic) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= topic.size()) {
    auto end = topic.find('/', start);
    if (end == std::string::npos) end = topic.size();
    parts.push_back(topic.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string squash(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Distortion distortion_from_ros(const std::string& model, const std::string& file, const std::string& where) {
  std::string m = squash(model);
  if (m == "none" || m.empty()) return Distortion::none;
  if (m == "modifiedbrownconrady") return Distortion::modified_brown_conrady;
  if (m == "inversebrownconrady") return Distortion::inverse_brown_conrady;
  if (m == "ftheta") return Distortion::ftheta;
  if (m == "brownconrady" || m == "plumbbob") return Distortion::brown_conrady;
  if (m == "kannalabrandt4" || m == "equidistant") return Distortion::kannala_brandt4;
  throw FormatError(file, where + ": sensor_msgs/CameraInfo field 'distortion_model': unknown model '" + model + "'");
}

// Streams are keyed "sensor_<s>/<Stream>_<i>".
struct StreamData {
  std::string kind;  // "Depth", "Color", "Infrared", ...
  std::vector<Frame> frames;
  std::vector<std::uint64_t> times;
  std::optional<Intrinsics> intrinsics;
  std::optional<ros::Transform> tf;  // reference -> this stream
  std::string where;                  // of the first image, for errors found later
};

Frame make_image_frame(const ros::Image& im, const std::string& kind, const std::string& file, const std::string& where) {
  auto bad = [&](const char* field, const std::string& what) -> FormatError {
    return FormatError(file, where + ": sensor_msgs/Image field '" + field + "': " + what);
  };
  if (im.width == 0 || im.height == 0 || im.width > kMaxSide || im.height > kMaxSide)
    throw bad("width", "image size " + std::to_string(im.width) + "x" + std::to_string(im.height) +
                           " must be in [1, " + std::to_string(kMaxSide) + "]");
  check_image_size(im.width, im.height, file, where + ": " + kind + " image");  // the pixel cap
  Frame f;
  int channels = 0;
  std::size_t sample = 1;
  const std::string& e = im.encoding;
  if (e == "mono16" || e == "16UC1" || e == "z16") {
    f.format = FrameFormat::z16, channels = 1, sample = 2;
  } else if (e == "rgb8") {
    f.format = FrameFormat::rgb8, channels = 3;
  } else if (e == "bgr8") {
    f.format = FrameFormat::bgr8, channels = 3;
  } else if (e == "rgba8") {
    f.format = FrameFormat::rgba8, channels = 4;
  } else if (e == "bgra8") {
    f.format = FrameFormat::bgra8, channels = 4;
  } else if (e == "mono8" || e == "8UC1") {
    f.format = FrameFormat::y8, channels = 1;
  } else {
    throw bad("encoding", "unsupported '" + e + "' on a " + kind + " stream (expected mono16/16UC1, rgb8, bgr8, rgba8, bgra8 or mono8)");
  }
  if (kind == "Depth" && f.format != FrameFormat::z16)
    throw bad("encoding", "depth stream must be mono16/16UC1 (Z16), got '" + e + "'");
  std::size_t row = std::size_t(im.width) * channels * sample;
  if (im.step < row) throw bad("step", std::to_string(im.step) + " is less than width x bytes per pixel = " + std::to_string(row));
  if (im.data.size() < std::size_t(im.step) * (im.height - 1) + row)
    throw bad("data", "holds " + std::to_string(im.data.size()) + " bytes, " + std::to_string(im.height) + " rows of step " +
                          std::to_string(im.step) + " need " + std::to_string(std::size_t(im.step) * im.height));
  mx::Shape shape = channels == 1 ? mx::Shape{int(im.height), int(im.width)} : mx::Shape{int(im.height), int(im.width), channels};
  if (sample == 2) {
    std::vector<std::uint16_t> px(std::size_t(im.width) * im.height);
    for (std::uint32_t y = 0; y < im.height; ++y)
      std::memcpy(px.data() + std::size_t(y) * im.width, im.data.data() + std::size_t(y) * im.step, row);
    if (im.is_bigendian)
      for (auto& v : px) v = static_cast<std::uint16_t>((v >> 8) | (v << 8));
    f.data = mx::array(px.begin(), shape, mx::uint16);
  } else {
    std::vector<std::uint8_t> px(row * im.height);
    for (std::uint32_t y = 0; y < im.height; ++y)
      std::memcpy(px.data() + y * row, im.data.data() + std::size_t(y) * im.step, row);
    f.data = mx::array(px.begin(), shape, mx::uint8);
  }
  f.frame_number = im.header.seq;
  f.timestamp_ms = im.header.stamp_ms();
  return f;
}

Intrinsics make_intrinsics(const ros::CameraInfo& c, const std::string& file, const std::string& where) {
  Intrinsics in;
  if (c.width > kMaxSide || c.height > kMaxSide)
    throw FormatError(file, where + ": sensor_msgs/CameraInfo field 'width': size " + std::to_string(c.width) + "x" +
                                std::to_string(c.height) + " exceeds " + std::to_string(kMaxSide));
  // Calibration numbers are single values: a NaN or an infinity rejects the file (the
  // non-finite policy), naming the field.
  auto finite = [&](const char* field, double v) {
    if (!std::isfinite(v))
      throw FormatError(file, where + ": sensor_msgs/CameraInfo field '" + field + "' must be finite, got " + number_text(v));
  };
  const char* k_names[9] = {"K[0] (fx)", "K[1]", "K[2] (ppx)", "K[3]", "K[4] (fy)", "K[5] (ppy)", "K[6]", "K[7]", "K[8]"};
  for (int i = 0; i < 9; ++i) finite(k_names[i], c.K[i]);
  for (std::size_t i = 0; i < c.D.size(); ++i) finite(("D[" + std::to_string(i) + "]").c_str(), c.D[i]);
  in.width = int(c.width);
  in.height = int(c.height);
  in.fx = float(c.K[0]);
  in.ppx = float(c.K[2]);
  in.fy = float(c.K[4]);
  in.ppy = float(c.K[5]);
  in.model = distortion_from_ros(c.distortion_model, file, where);
  for (std::size_t i = 0; i < in.coeffs.size() && i < c.D.size(); ++i) in.coeffs[i] = float(c.D[i]);
  return in;
}

// Quaternion (x, y, z, w) + translation -> rs2_extrinsics layout (column-major rotation).
Extrinsics to_extrinsics(const ros::Transform& t) {
  double x = t.rotation[0], y = t.rotation[1], z = t.rotation[2], w = t.rotation[3];
  double r[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)},
                    {2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)},
                    {2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}};
  Extrinsics e;
  for (int c = 0; c < 3; ++c)
    for (int row = 0; row < 3; ++row) e.rotation[c * 3 + row] = float(r[row][c]);
  for (int i = 0; i < 3; ++i) e.translation[i] = float(t.translation[i]);
  return e;
}

// a then b: p -> b(a(p)).
Extrinsics compose(const Extrinsics& a, const Extrinsics& b) {
  Extrinsics out;
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += double(b.rotation[k * 3 + r]) * a.rotation[c * 3 + k];
      out.rotation[c * 3 + r] = float(s);
    }
  for (int r = 0; r < 3; ++r) {
    double s = b.translation[r];
    for (int k = 0; k < 3; ++k) s += double(b.rotation[k * 3 + r]) * a.translation[k];
    out.translation[r] = float(s);
  }
  return out;
}

Extrinsics invert(const Extrinsics& e) {
  Extrinsics out;
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r) out.rotation[c * 3 + r] = e.rotation[r * 3 + c];
  for (int r = 0; r < 3; ++r) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s -= double(out.rotation[k * 3 + r]) * e.translation[k];
    out.translation[r] = float(s);
  }
  return out;
}

void finish_stream(StreamData& s, const std::string& file, const std::optional<float>& units,
                   const std::optional<float>& baseline) {
  std::vector<std::size_t> order(s.frames.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return s.times[a] < s.times[b]; });
  std::vector<Frame> sorted;
  sorted.reserve(order.size());
  for (auto i : order) sorted.push_back(s.frames[i]);
  s.frames = std::move(sorted);
  for (auto& f : s.frames) {
    if (s.intrinsics) {
      if (s.intrinsics->width != f.width() || s.intrinsics->height != f.height())
        throw FormatError(file, s.where + ": " + s.kind + " image is " + std::to_string(f.width()) + "x" +
                                    std::to_string(f.height()) + " but its camera_info says " +
                                    std::to_string(s.intrinsics->width) + "x" + std::to_string(s.intrinsics->height));
      f.intrinsics = *s.intrinsics;
    }
    if (units) f.depth_units = *units;
    if (baseline) f.baseline_mm = *baseline;
  }
}

}  // namespace

const Frame* Recording::color_for(const Frame& d) const {
  const Frame* best = nullptr;
  for (const auto& c : color)
    if (!best || std::abs(c.timestamp_ms - d.timestamp_ms) < std::abs(best->timestamp_ms - d.timestamp_ms)) best = &c;
  return best;
}

namespace {

// Topic routing shared by the whole-file and the streaming readers.
struct Router {
  const std::string& name;
  Recording& rec;
  std::map<std::string, StreamData> streams;
  std::map<std::string, std::optional<float>> units, baselines;  // by sensor
  std::function<void(StreamData&, const std::string& key, Frame&&, std::uint64_t time_ns)> on_image;

  void route(const BagMessageView& m) {
    const std::string& topic = m.connection->topic;
    const std::string where = m.where + " (topic '" + topic + "')";
    if (topic == "/file_version") {
      rec.file_version = ros::decode_uint32(m.data, name, where);
      return;
    }
    auto p = split_topic(topic);
    if (p.size() < 2 || p[0].rfind("device_", 0) != 0) return;
    if (p.size() == 2 && p[1] == "info") {
      auto kv = ros::decode_key_value(m.data, name, where);
      rec.device_info[kv.key] = kv.value;
      return;
    }
    if (p.size() < 4 || p[1].rfind("sensor_", 0) != 0) return;
    const std::string& sensor = p[1];
    if (p[2] == "option" && p.size() == 5 && p[4] == "value") {
      if (p[3] == "Depth Units") {
        const float v = ros::decode_float32(m.data, name, where);
        if (!(v > 0) || !std::isfinite(v))
          throw FormatError(name, where + ": std_msgs/Float32 field 'data' (Depth Units, metres per unit) must be finite "
                                          "and > 0, got " + number_text(v));
        units[sensor] = v;
      }
      if (p[3] == "Stereo Baseline") {
        const float v = ros::decode_float32(m.data, name, where);
        if (!std::isfinite(v))
          throw FormatError(name, where + ": std_msgs/Float32 field 'data' (Stereo Baseline, mm) must be finite, got " +
                                      number_text(v));
        baselines[sensor] = v;
      }
      return;
    }
    auto us = p[2].rfind('_');
    if (us == std::string::npos) return;
    std::string kind = p[2].substr(0, us);
    if (kind != "Depth" && kind != "Color") return;  // IR, IMU, pose streams are not read yet
    std::string key = sensor + "/" + p[2];
    StreamData& s = streams[key];
    s.kind = kind;
    std::string rest = p[3] + (p.size() > 4 ? "/" + p[4] : "");
    if (rest == "image/data") {
      auto im = ros::decode_image(m.data, name, where);
      if (s.where.empty()) s.where = where;
      on_image(s, key, make_image_frame(im, s.kind, name, where), m.time_ns);
    } else if (rest == "info/camera_info") {
      s.intrinsics = make_intrinsics(ros::decode_camera_info(m.data, name, where), name, where);
    } else if (rest == "tf/0") {
      s.tf = ros::decode_transform(m.data, name, where);
      for (double v : s.tf->translation)
        if (!std::isfinite(v))
          throw FormatError(name, where + ": geometry_msgs/Transform field 'translation' must be finite, got " + number_text(v));
      for (double v : s.tf->rotation)
        if (!std::isfinite(v))
          throw FormatError(name, where + ": geometry_msgs/Transform field 'rotation' must be finite, got " + number_text(v));
    }
  }
};

std::optional<Extrinsics> depth_to_color(const StreamData& depth, const StreamData* color) {
  if (!color || !color->tf) return std::nullopt;
  Extrinsics ref_to_depth = depth.tf ? to_extrinsics(*depth.tf) : Extrinsics{};
  return compose(invert(ref_to_depth), to_extrinsics(*color->tf));
}

}  // namespace

Recording parse_recording(std::string_view bytes, const std::string& name) {
  Recording rec;
  rec.source = name;
  Router router{name, rec, {}, {}, {}, {}};
  router.on_image = [](StreamData& s, const std::string&, Frame&& f, std::uint64_t t) {
    s.frames.push_back(std::move(f));
    s.times.push_back(t);
  };
  BagVisitor v;
  v.on_message = [&](const BagMessageView& m) { router.route(m); };
  scan_bag(bytes, name, v);
  auto& streams = router.streams;
  auto& units = router.units;
  auto& baselines = router.baselines;

  StreamData* depth = nullptr;
  StreamData* color = nullptr;
  std::string depth_sensor;
  for (auto& [key, s] : streams) {
    if (s.kind == "Depth" && !depth) depth = &s, depth_sensor = key.substr(0, key.find('/'));
    if (s.kind == "Color" && !color) color = &s;
  }
  if (!depth) throw FormatError(name, "no Depth stream (/device_0/sensor_<s>/Depth_<i>/image/data) in the recording");
  if (units.count(depth_sensor)) rec.depth_units = units[depth_sensor];
  if (baselines.count(depth_sensor)) rec.baseline_mm = baselines[depth_sensor];
  finish_stream(*depth, name, rec.depth_units, rec.baseline_mm);
  rec.depth = std::move(depth->frames);
  rec.depth_intrinsics = depth->intrinsics;
  if (color) {
    finish_stream(*color, name, std::nullopt, std::nullopt);
    rec.color = std::move(color->frames);
    rec.color_intrinsics = color->intrinsics;
    rec.depth_to_color = depth_to_color(*depth, color);
  }
  return rec;
}

std::size_t stream_recording(std::string_view bytes, const std::string& name, const RecordingCallback& on_depth) {
  Recording meta;
  meta.source = name;
  Router router{name, meta, {}, {}, {}, {}};
  std::string depth_key, color_key;
  std::optional<Frame> colour;
  std::size_t delivered = 0;
  router.on_image = [&](StreamData& s, const std::string& key, Frame&& f, std::uint64_t) {
    if (s.intrinsics) {
      if (s.intrinsics->width != f.width() || s.intrinsics->height != f.height())
        throw FormatError(name, s.where + ": " + s.kind + " image is " + std::to_string(f.width()) + "x" +
                                    std::to_string(f.height()) + " but its camera_info says " +
                                    std::to_string(s.intrinsics->width) + "x" + std::to_string(s.intrinsics->height));
      f.intrinsics = *s.intrinsics;
    }
    if (s.kind == "Color") {
      if (color_key.empty()) color_key = key;
      if (key == color_key) colour = std::move(f), meta.color_intrinsics = s.intrinsics;
      return;
    }
    if (depth_key.empty()) depth_key = key;
    if (key != depth_key) return;
    std::string sensor = key.substr(0, key.find('/'));
    meta.depth_units = router.units.count(sensor) ? router.units[sensor] : std::nullopt;
    meta.baseline_mm = router.baselines.count(sensor) ? router.baselines[sensor] : std::nullopt;
    if (meta.depth_units) f.depth_units = *meta.depth_units;
    if (meta.baseline_mm) f.baseline_mm = *meta.baseline_mm;
    meta.depth_intrinsics = s.intrinsics;
    auto ci = color_key.empty() ? router.streams.end() : router.streams.find(color_key);
    meta.depth_to_color = depth_to_color(s, ci == router.streams.end() ? nullptr : &ci->second);
    on_depth(f, colour ? &*colour : nullptr, meta);
    ++delivered;
  };
  BagVisitor v;
  v.on_message = [&](const BagMessageView& m) { router.route(m); };
  scan_bag(bytes, name, v);
  if (delivered == 0) throw FormatError(name, "no Depth stream (/device_0/sensor_<s>/Depth_<i>/image/data) in the recording");
  return delivered;
}

MappedFile::MappedFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError(path, "cannot open file");
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p = ::mmap(nullptr, std::size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) map_ = p, size_ = std::size_t(st.st_size);
  }
  ::close(fd);
  if (!map_) owned_ = read_file_bytes(path);  // empty files, pipes, or mmap refused
}

MappedFile::~MappedFile() {
  if (map_) ::munmap(map_, size_);
}

std::string_view MappedFile::bytes() const {
  return map_ ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(owned_);
}

Recording read_recording(const std::string& path) {
  MappedFile file(path);
  return parse_recording(file.bytes(), path);
}

}  // namespace robomlx::depth
