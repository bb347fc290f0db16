// SPDX-License-Identifier: Apache-2.0
// Interactive parameter tuning and live preview with OpenCV highgui (the analogue of
// zed-open-capture's zed_oc_tune_stereo_sgbm): trackbars for the SGM parameters over a still
// pair or a camera, keys s = save, r = reset to defaults, q / Esc = quit.
#pragma once

#include <functional>
#include <string>

#include <mlx/array.h>

#include "robomlx/stereo/config.h"

namespace robomlx::stereo {

namespace mx = mlx::core;

struct TuneOptions {
  int frames = 0;         // 0: until the user quits; N > 0: exit by itself after N frames (headless runs)
  std::string save_path;  // where 's' (and the exit of a --frames run) saves the config; empty = no saving
  std::string window = "robomlx stereo tune";
};

/// Supplies the next rectified pair ([H, W, 3] uint8 RGB or [H, W] grey); false = no more.
using PairSource = std::function<bool(mx::array& left, mx::array& right)>;

/// Runs the tuner and returns the config as last set. Throws UnsupportedFeatureError when no
/// display is available (no $DISPLAY: run under xvfb-run for headless use).
StereoConfig tune_interactively(const PairSource& next_pair, StereoConfig config, const TuneOptions& options);

/// A preview window showing the left image beside the colourised disparity.
class PreviewWindow {
 public:
  /// Throws UnsupportedFeatureError when no display is available.
  explicit PreviewWindow(std::string name);
  ~PreviewWindow();
  PreviewWindow(const PreviewWindow&) = delete;
  PreviewWindow& operator=(const PreviewWindow&) = delete;
  /// left: [H, W, 3] uint8 RGB or [H, W]; colour: [H, W, 3] uint8 RGB. Returns the key pressed
  /// within `wait_ms` (-1 for none).
  int show(const mx::array& left, const mx::array& colour, const std::string& status, int wait_ms = 1);
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace robomlx::stereo
