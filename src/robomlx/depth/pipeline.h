// SPDX-License-Identifier: Apache-2.0
// A chain of processing blocks by name, with options, as librealsense applications build them:
//   decimation -> depth2disparity -> spatial -> temporal -> disparity2depth -> hole_filling
// ChainSpec is what the CLI (--chain, --set, --preset) and presets fill; Pipeline instantiates
// the blocks through make_block() and runs frames through them in order (blocks keep their
// per-stream history, so feed one recording's frames in order).
//
// Preset files (JSON):
//   { "chain": ["decimation", {"block": "spatial", "options": {"filter_smooth_alpha": 0.4}}, ...],
//     "colorizer": {"color_scheme": 2}, "pointcloud": {"filter_magnitude": 1} }
// "chain" may also be a comma-separated string; "standard" names the chain above (librealsense
// default options for every block).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "robomlx/depth/block.h"

namespace robomlx::depth {

using OptionList = std::vector<std::pair<std::string, float>>;  // applied in order

struct StageSpec {
  std::string block;
  OptionList options;
};

struct ChainSpec {
  std::vector<StageSpec> stages;
  OptionList colorizer;   // options of the colourised-depth output block
  OptionList pointcloud;  // options of the point-cloud output

  /// The standard librealsense post-processing chain with default options.
  static ChainSpec standard();
};

/// "decimation,spatial,..." (or "standard"); throws std::invalid_argument for an empty chain
/// or empty names.
/// Block names are checked when the Pipeline is built (make_block lists the known ones).
ChainSpec parse_chain(const std::string& csv);

/// Applies one "block.option=value" (e.g. "spatial.filter_smooth_alpha=0.4") to every stage of
/// that block, or to the colorizer/pointcloud outputs. Throws std::invalid_argument naming the
/// bad part: syntax, a block that is not in the chain, or a value that is not a finite number.
/// Option names and ranges are checked by the block when the Pipeline is built.
void apply_setting(ChainSpec& spec, const std::string& assignment);

/// Reads a preset (format above); throws FormatError naming the file and the JSON field, also
/// for a block name make_block does not know. Option names and values are checked when the
/// Pipeline is built, after any --set is merged in.
ChainSpec load_preset(const std::string& path);

class Pipeline {
 public:
  /// Creates and configures every block; throws std::invalid_argument for unknown blocks or
  /// options and out-of-range values (the message lists the valid range).
  explicit Pipeline(const ChainSpec& spec);
  /// Runs the chain on one frame, every block on stream `s` (lazy result).
  Frame process(const Frame& in, mx::StreamOrDevice s = {});
  /// Clears the history of stateful blocks (temporal).
  void reset();
  const ChainSpec& spec() const { return spec_; }
  std::size_t size() const { return blocks_.size(); }
  ProcessingBlock& block(std::size_t i) { return *blocks_.at(i); }
  /// Every option of every stage with the value in effect, for summaries.
  std::vector<std::pair<std::string, std::map<std::string, float>>> effective_options() const;
  /// True when some stage needs a stereo baseline and focal length (disparity transforms).
  bool needs_stereo() const;

 private:
  ChainSpec spec_;
  std::vector<std::unique_ptr<ProcessingBlock>> blocks_;
};

}  // namespace robomlx::depth
