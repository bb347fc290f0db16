// SPDX-License-Identifier: Apache-2.0
// Every parameter of the stereo commands in one JSON file (the MLX analogue of zed-open-capture's
// zed_oc_stereo.yaml). Default location: ~/zed/settings/mlx_live_stereo.json. Layout, all keys
// optional (defaults below), unknown keys rejected by name:
//   { "sgm":     { SgmOptions fields, same names },
//     "rectify": { "calibration": "SN123.conf", "resolution": "HD" },
//     "depth":   { "unit": "mm"|"m", "min_depth_mm", "max_depth_mm", "focal_px", "baseline_mm" },
//     "output":  { "disparity_max": 0, "write_depth": true, "write_ply": true },
//     "camera":  { "index": 0, "width": 0, "height": 0, "fps": 0 } }
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "robomlx/stereo/disparity_to_depth.h"
#include "robomlx/stereo/sgm.h"

namespace robomlx::stereo {

struct RectifyConfig {
  std::string calibration;  // SN<serial>.conf path; empty = inputs are already rectified
  std::string resolution;   // resolution tag; empty = derived from the single-eye image size
};

struct DepthConfig {
  DepthUnit unit = DepthUnit::millimetre;  // unit of the depth outputs (PNG16 is always mm)
  double min_depth_mm = 300;     // point-cloud clipping (zed-open-capture minDepth_mm)
  double max_depth_mm = 10000;   // (maxDepth_mm)
  double focal_px = 0;           // used without calibration (principal point = image centre); 0 = no metric outputs
  double baseline_mm = 0;        // used without calibration
};

struct OutputConfig {
  double disparity_max = 0;  // colour-map upper end in px; 0 = min + num disparities
  bool write_depth = true;   // depth PNG16 (+ colour map) when the geometry is known
  bool write_ply = true;     // point cloud when the geometry is known
};

struct CameraConfig {
  int index = 0;     // cv::VideoCapture device index
  int width = 0;     // requested side-by-side width (0 = driver default)
  int height = 0;
  double fps = 0;
};

struct StereoConfig {
  SgmOptions sgm;
  RectifyConfig rectify;
  DepthConfig depth;
  OutputConfig output;
  CameraConfig camera;
  /// Throws std::invalid_argument "[stereo.config] <key> must be ..., got ..." (and SgmOptions').
  void validate() const;
};

/// ~/zed/settings/mlx_live_stereo.json ($HOME; empty string when HOME is unset).
std::string default_config_path();

/// Parses JSON text. Throws FormatError(name, ...) naming the key for unknown keys, wrong
/// types, invalid values and JSON syntax errors. Missing keys keep their defaults.
StereoConfig parse_config(const std::string& text, const std::string& name = "<memory>");
StereoConfig load_config(const std::string& path);

/// Every key, defaults included (a complete, editable file).
nlohmann::json config_to_json(const StereoConfig& config);
StereoConfig config_from_json(const nlohmann::json& json, const std::string& name = "<memory>");
/// Layers for whole-config validation (README "Output and command policies"): each merges one
/// source over `config` checking only key names and value types; the caller validates once
/// when every source is in, so the order of sources and --set options does not matter
/// (--set sgm.p1=500 --set sgm.p2=1000 works either way round).
/// A file: FormatError naming the file and the key.
void merge_config_file(StereoConfig& config, const std::string& path);
/// One "section.key=value" (the CLI's --set), value parsed as JSON (bare words are taken as
/// strings): std::invalid_argument naming the assignment and the key.
void merge_config_override(StereoConfig& config, const std::string& assignment);
/// One override on its own: merge_config_override, then validate; `config` is unchanged on error.
void apply_config_override(StereoConfig& config, const std::string& assignment);

/// Validates, then writes pretty JSON atomically (creating the parent folder).
void save_config(const std::string& path, const StereoConfig& config);

}  // namespace robomlx::stereo
