// SPDX-License-Identifier: Apache-2.0
// `robomlx depth process`: runs a Pipeline over a recording (.bag) or a list of depth images
// (16-bit single-channel PGM/PNG, raw Z16 units) and writes, per frame i (6-digit index):
//   depth_<i>.png      filtered depth, 16-bit PNG, raw units (the chain must end in Z16)
//   colorized_<i>.png  colourised depth (colorizer block), 8-bit RGB PNG
//   cloud_<i>.ply      binary little-endian PLY of the valid vertices (metres), coloured from the
//                      latest colour frame recorded before this depth frame (texture map as
//                      rs2::pointcloud; frames before the first colour frame stay uncoloured)
//   summary.json       inputs, device, chain with every option in effect, per-frame timings
// Recordings are streamed (one depth and one colour frame in memory at a time). Options, inputs
// and the camera are validated before the first frame is processed, and everything is written
// into an OutputStage folder (core/io/output_stage.h) that is moved into place at the end: on any
// error (including a recording found truncated half-way) nothing is left, and a reused --out has
// the previous run's outputs replaced.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/depth/frame.h"
#include "robomlx/depth/pipeline.h"

namespace robomlx::depth {

struct ProcessRequest {
  std::vector<std::string> inputs;   // one .bag, or depth images (.pgm/.png)
  ChainSpec chain;
  std::string out_dir;
  std::vector<std::string> outputs{"depth", "colorized", "cloud"};  // any of these
  // Camera of image inputs (bags carry their own): required by disparity transforms and clouds.
  std::optional<Intrinsics> intrinsics;  // width/height 0 = take the image's size
  float depth_units = 0.001f;        // metres per unit (image inputs)
  float baseline_mm = 0;             // stereo baseline (image inputs); 0 = unknown
  std::string device;                // for the summary, e.g. "cpu"
  bool progress = true;              // progress bar on stderr for multi-frame inputs

  /// Throws std::invalid_argument naming the field.
  void validate() const;
};

/// Runs the request; returns the summary that was written to <out>/summary.json.
nlohmann::json run_process(const ProcessRequest& request, std::ostream& progress);

/// Binary little-endian PLY of points [N] with optional per-point RGB (empty = uncoloured).
void write_ply(const std::string& path, const std::vector<float>& xyz, const std::vector<std::uint8_t>& rgb);

}  // namespace robomlx::depth
