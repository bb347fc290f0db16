// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/json_text.h"

namespace robomlx::stereo {

using nlohmann::json;

namespace {

constexpr const char* kTag = "stereo.config";

// One JSON key bound to a field: how to write it and how to read it (with type checks).
struct Field {
  std::string key;
  std::function<json()> get;
  std::function<void(const json&, const std::string& path)> set;
};

template <typename T>
Field field(const std::string& key, T& ref) {
  return {key, [&ref] { return json(ref); },
          [&ref](const json& v, const std::string& path) {
            if constexpr (std::is_same_v<T, bool>) {
              if (!v.is_boolean()) throw std::invalid_argument(path + " must be true or false");
            } else if constexpr (std::is_integral_v<T>) {
              if (!v.is_number_integer()) throw std::invalid_argument(path + " must be an integer");
            } else if constexpr (std::is_floating_point_v<T>) {
              if (!v.is_number()) throw std::invalid_argument(path + " must be a number");
            } else {
              if (!v.is_string()) throw std::invalid_argument(path + " must be a string");
            }
            ref = v.get<T>();
          }};
}

Field bind_unit(const std::string& key, DepthUnit& ref) {
  return {key, [&ref] { return json(depth_unit_name(ref)); },
          [&ref](const json& v, const std::string& path) {
            if (!v.is_string() || (v != "mm" && v != "m")) throw std::invalid_argument(path + " must be \"mm\" or \"m\"");
            ref = parse_depth_unit(v.get<std::string>());
          }};
}

using Sections = std::vector<std::pair<std::string, std::vector<Field>>>;

Sections sections(StereoConfig& c) {
  SgmOptions& s = c.sgm;
  return {
      {"sgm",
       {field("min_disparity", s.min_disparity), field("num_disparities", s.num_disparities), field("cost", s.cost),
        field("census_width", s.census_width), field("census_height", s.census_height), field("p1", s.p1),
        field("p2", s.p2), field("paths", s.paths), field("subpixel", s.subpixel), field("lr_max_diff", s.lr_max_diff),
        field("uniqueness_ratio", s.uniqueness_ratio), field("median_size", s.median_size),
        field("speckle_window", s.speckle_window), field("speckle_range", s.speckle_range),
        field("pyramid_factor", s.pyramid_factor), field("refinement_radius", s.refinement_radius)}},
      {"rectify", {field("calibration", c.rectify.calibration), field("resolution", c.rectify.resolution)}},
      {"depth",
       {bind_unit("unit", c.depth.unit), field("min_depth_mm", c.depth.min_depth_mm),
        field("max_depth_mm", c.depth.max_depth_mm), field("focal_px", c.depth.focal_px),
        field("baseline_mm", c.depth.baseline_mm)}},
      {"output",
       {field("disparity_max", c.output.disparity_max), field("write_depth", c.output.write_depth),
        field("write_ply", c.output.write_ply)}},
      {"camera",
       {field("index", c.camera.index), field("width", c.camera.width), field("height", c.camera.height),
        field("fps", c.camera.fps)}},
  };
}

}  // namespace

void StereoConfig::validate() const {
  sgm.validate();
  check_range(kTag, "depth.min_depth_mm", depth.min_depth_mm, 0, 1e9);
  check_range_from(kTag, "depth.max_depth_mm", depth.max_depth_mm, "depth.min_depth_mm", depth.min_depth_mm, 1e9);
  check_range(kTag, "depth.focal_px", depth.focal_px, 0, 1e7);
  check_range(kTag, "depth.baseline_mm", depth.baseline_mm, 0, 1e7);
  if ((depth.focal_px > 0) != (depth.baseline_mm > 0)) {
    std::ostringstream os;
    os << "depth.focal_px and depth.baseline_mm must be given together (both > 0 for metric outputs, or both 0), got "
       << depth.focal_px << " and " << depth.baseline_mm;
    fail_argument(kTag, os.str());
  }
  check_range(kTag, "output.disparity_max", output.disparity_max, 0, 1e5);
  check_range(kTag, "camera.index", camera.index, 0, 1024);
  check_range(kTag, "camera.width", camera.width, 0, 1 << 15);
  check_range(kTag, "camera.height", camera.height, 0, 1 << 15);
  check_range(kTag, "camera.fps", camera.fps, 0, 1000);
}

std::string default_config_path() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return "";
  return std::string(home) + "/zed/settings/mlx_live_stereo.json";
}

namespace {
// Lays `j` over `config`: unknown keys and wrong types throw std::invalid_argument naming the
// key; ranges and the rules between keys are left to validate(), run once on the merged result.
void apply_json(StereoConfig& config, const json& j) {
  if (!j.is_object()) throw std::invalid_argument("the top level must be a JSON object");
  auto table = sections(config);
  // Named copies, not structured bindings: clang 14 (the fuzz build) cannot capture bindings.
  for (const auto& item : j.items()) {
    const std::string section = item.key();
    const json& value = item.value();
    auto it = std::find_if(table.begin(), table.end(), [&](const auto& s) { return s.first == section; });
    if (it == table.end()) throw std::invalid_argument("unknown key '" + section + "'");
    if (!value.is_object()) throw std::invalid_argument("'" + section + "' must be an object");
    for (const auto& field : value.items()) {
      const std::string key = field.key();
      const json& v = field.value();
      auto f = std::find_if(it->second.begin(), it->second.end(), [&](const Field& x) { return x.key == key; });
      if (f == it->second.end()) throw std::invalid_argument("unknown key '" + section + "." + key + "'");
      f->set(v, "'" + section + "." + key + "'");
    }
  }
}
}  // namespace

StereoConfig config_from_json(const json& j, const std::string& name) {
  StereoConfig config;
  if (!j.is_object()) throw FormatError(name, "the top level must be a JSON object");
  try {
    apply_json(config, j);
    config.validate();
  } catch (const json::exception& e) {
    throw FormatError(name, e.what());
  } catch (const std::invalid_argument& e) {
    throw FormatError(name, e.what());
  }
  return config;
}

json config_to_json(const StereoConfig& config) {
  StereoConfig copy = config;
  json j = json::object();
  for (const auto& [section, fields] : sections(copy)) {
    json s = json::object();
    for (const auto& f : fields) s[f.key] = f.get();
    j[section] = s;
  }
  return j;
}

namespace {
std::string read_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FormatError(path, "is a folder, expected a JSON config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The whole text is the document: a NUL byte or trailing text is a parse error.
json parse_json(const std::string& text, const std::string& name) { return parse_json_text(text, name); }

// One --set: "section.key=value", value parsed as JSON (bare words are taken as strings).
json override_patch(const std::string& assignment) {
  const auto eq = assignment.find('=');
  const auto dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 || dot + 1 == eq)
    fail_argument(kTag, "--set expects section.key=value, got '" + assignment + "'");
  const std::string section = assignment.substr(0, dot), key = assignment.substr(dot + 1, eq - dot - 1);
  const std::string text = assignment.substr(eq + 1);
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  json patch = json::object();
  patch[section][key] = value;
  return patch;
}
}  // namespace

StereoConfig parse_config(const std::string& text, const std::string& name) {
  return config_from_json(parse_json(text, name), name);
}

StereoConfig load_config(const std::string& path) { return parse_config(read_config_file(path), path); }

void merge_config_file(StereoConfig& config, const std::string& path) {
  const json j = parse_json(read_config_file(path), path);
  try {
    apply_json(config, j);
  } catch (const json::exception& e) {
    throw FormatError(path, e.what());
  } catch (const std::invalid_argument& e) {
    throw FormatError(path, e.what());
  }
}

void merge_config_override(StereoConfig& config, const std::string& assignment) {
  const json patch = override_patch(assignment);
  try {
    apply_json(config, patch);
  } catch (const std::exception& e) {
    fail_argument(kTag, "--set " + assignment + ": " + e.what());
  }
}

void apply_config_override(StereoConfig& config, const std::string& assignment) {
  StereoConfig merged = config;
  merge_config_override(merged, assignment);
  merged.validate();
  config = merged;
}

void save_config(const std::string& path, const StereoConfig& config) {
  config.validate();
  // The default location (~/zed/settings/) may not exist yet on a fresh machine.
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  write_file_atomically(path, config_to_json(config).dump(2) + "\n");
}

}  // namespace robomlx::stereo
