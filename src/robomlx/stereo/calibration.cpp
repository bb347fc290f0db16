// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/calibration.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"

namespace robomlx::stereo {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

struct Entry {
  std::string value;
  int line = 0;
  std::string key;  // as spelled in the file, for messages
};

// section (lower case) -> key (lower case) -> entry. Case-insensitive like upstream's SimpleIni.
using Ini = std::map<std::string, std::map<std::string, Entry>>;

Ini parse_ini(std::string_view text, const std::string& name) {
  Ini ini;
  std::string section;
  bool in_section = false;
  int line_no = 0;
  std::size_t pos = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte-order mark
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3)
        throw FormatError(name, where + "malformed section header '" + std::string(line) + "'");
      section = lower(trim(line.substr(1, line.size() - 2)));
      if (section.empty()) throw FormatError(name, where + "empty section name");
      ini[section];  // an empty section still exists
      in_section = true;
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      throw FormatError(name, where + "expected 'key = value', got '" + std::string(line.substr(0, 60)) + "'");
    std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) throw FormatError(name, where + "empty key before '='");
    if (!in_section) throw FormatError(name, where + "key '" + std::string(key) + "' outside any [section]");
    auto& keys = ini[section];
    const std::string k = lower(key);
    if (keys.count(k))
      throw FormatError(name, where + "duplicate key '" + std::string(key) + "' in [" + upper(section) +
                                  "] (first on line " + std::to_string(keys[k].line) + ")");
    keys[k] = Entry{std::string(trim(line.substr(eq + 1))), line_no, std::string(key)};
  }
  return ini;
}

// Physically sensible ranges (README, "Input policies"): a value outside is a corrupt or
// mistyped file, refused before any work rather than rectified into a black image.
struct Range {
  double lo, hi;
  const char* why;
};
constexpr Range kFocal{1, 1e5, "pixels; 100000 px is a 2.3 degree field of view at 4K"};
constexpr Range kRadial{-10, 10, "radial distortion; fitted lenses stay within +-1"};
constexpr Range kTangential{-1, 1, "tangential distortion; fitted lenses stay within +-0.01"};
constexpr Range kOffset{-10000, 10000, "millimetres; 10 m"};
constexpr Range kRotation{-0.5, 0.5, "radians of a Rodrigues vector; 0.5 rad = 29 degrees between the eyes"};

const Entry& entry(const Ini& ini, const std::string& section, const std::string& key, const std::string& name) {
  auto s = ini.find(section);
  if (s == ini.end()) throw FormatError(name, "missing section [" + upper(section) + "]");
  auto k = s->second.find(key);
  if (k == s->second.end())
    throw FormatError(name, "missing key '" + key + "' in section [" + upper(section) + "]");
  return k->second;
}

double number(const Ini& ini, const std::string& section, const std::string& key, const std::string& name,
              const Range& range) {
  const Entry& e = entry(ini, section, key, name);
  const auto v = parse_finite_number(e.value);
  const std::string where = "line " + std::to_string(e.line) + ": [" + upper(section) + "] " + e.key;
  if (!v) throw FormatError(name, where + " must be a finite number (with '.' as decimal point), got '" + e.value + "'");
  require_in_range(*v, range.lo, range.hi, name, where, range.why);
  return *v;
}

CameraIntrinsics eye(const Ini& ini, const std::string& section, const std::string& tag, const std::string& name) {
  CameraIntrinsics c;
  c.fx = number(ini, section, "fx", name, kFocal);
  c.fy = number(ini, section, "fy", name, kFocal);
  // The principal point lies in the image: the tag's size when it is built in, else the
  // largest image the rectifier takes.
  const auto size = zed_resolution_size(tag);
  const double w = size ? size->first : 32768, h = size ? size->second : 32768;
  c.cx = number(ini, section, "cx", name, {0, w, "pixels; the principal point lies in the image"});
  c.cy = number(ini, section, "cy", name, {0, h, "pixels; the principal point lies in the image"});
  const char* dist[5] = {"k1", "k2", "p1", "p2", "k3"};
  for (int i = 0; i < 5; ++i) c.distortion[i] = number(ini, section, dist[i], name, i == 2 || i == 3 ? kTangential : kRadial);
  return c;
}

std::vector<std::string> resolutions(const Ini& ini) {
  std::vector<std::string> tags;
  for (const auto& [section, keys] : ini) {
    const std::string prefix = "left_cam_";
    if (section.rfind(prefix, 0) == 0 && ini.count("right_cam_" + section.substr(prefix.size())))
      tags.push_back(upper(section.substr(prefix.size())));
  }
  return tags;
}

}  // namespace

StereoCalibration parse_zed_calibration(std::string_view text, std::string_view resolution, const std::string& name) {
  const Ini ini = parse_ini(text, name);
  const std::string r = lower(trim(resolution));
  if (!ini.count("left_cam_" + r) || !ini.count("right_cam_" + r)) {
    std::string tags;
    for (const auto& t : resolutions(ini)) tags += (tags.empty() ? "" : ", ") + t;
    // Half a camera (one eye's section without the other's) or no camera at all is a fault of the
    // file (exit 3); a whole resolution the file does not cover is a fault of the request (exit 2).
    const bool has_left = ini.count("left_cam_" + r) > 0, has_right = ini.count("right_cam_" + r) > 0;
    if (has_left != has_right)
      throw FormatError(name, "missing section [" + std::string(has_left ? "RIGHT" : "LEFT") + "_CAM_" + upper(r) +
                                  "] beside [" + (has_left ? "LEFT" : "RIGHT") + "_CAM_" + upper(r) + "]");
    if (tags.empty())
      throw FormatError(name, "no camera sections ([LEFT_CAM_<res>] and [RIGHT_CAM_<res>]): empty or not a ZED "
                              "calibration file");
    throw std::invalid_argument("[stereo.calibration] resolution '" + std::string(resolution) + "' is not in " + name +
                                "; available: " + tags);
  }
  StereoCalibration calib;
  calib.resolution = upper(r);
  calib.left = eye(ini, "left_cam_" + r, r, name);
  calib.right = eye(ini, "right_cam_" + r, r, name);
  calib.translation_mm = {number(ini, "stereo", "baseline", name, kOffset), number(ini, "stereo", "ty_" + r, name, kOffset),
                          number(ini, "stereo", "tz_" + r, name, kOffset)};
  calib.rotation = {number(ini, "stereo", "rx_" + r, name, kRotation), number(ini, "stereo", "cv_" + r, name, kRotation),
                    number(ini, "stereo", "rz_" + r, name, kRotation)};
  if (std::fabs(calib.translation_mm[0]) < 1) {
    const Entry& e = entry(ini, "stereo", "baseline", name);
    throw FormatError(name, "line " + std::to_string(e.line) + ": [STEREO] " + e.key +
                                " must be at least 1 mm in magnitude (the distance between the eyes), got " + e.value);
  }
  return calib;
}

StereoCalibration load_zed_calibration(const std::string& path, std::string_view resolution) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FormatError(path, "is a folder, expected a ZED calibration file (SN<serial>.conf)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open calibration file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_zed_calibration(ss.str(), resolution, path);
}

std::vector<std::string> zed_calibration_resolutions(std::string_view text, const std::string& name) {
  return resolutions(parse_ini(text, name));
}

std::optional<std::pair<int, int>> zed_resolution_size(std::string_view resolution) {
  static const std::map<std::string, std::pair<int, int>> sizes = {
      {"2k", {2208, 1242}},    {"fhd", {1920, 1080}},     {"hd", {1280, 720}},   {"vga", {672, 376}},
      {"fhd1200", {1920, 1200}}, {"hd1200", {1920, 1200}}, {"hd1080", {1920, 1080}}, {"svga", {960, 600}}};
  auto it = sizes.find(lower(trim(resolution)));
  if (it == sizes.end()) return std::nullopt;
  return it->second;
}

std::string zed_resolution_for_size(int width, int height) {
  for (const char* tag : {"2K", "FHD", "HD", "VGA", "FHD1200", "SVGA"}) {
    auto size = zed_resolution_size(tag);
    if (size->first == width && size->second == height) return tag;
  }
  throw std::invalid_argument("[stereo.calibration] single-eye image size " + std::to_string(width) + "x" +
                              std::to_string(height) +
                              " is not a known ZED resolution (2208x1242, 1920x1080, 1280x720, 672x376, "
                              "1920x1200, 960x600); pass --resolution explicitly");
}

}  // namespace robomlx::stereo
