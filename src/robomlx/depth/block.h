// SPDX-License-Identifier: Apache-2.0
// A processing block: librealsense's rs2::filter with named float options.
//
// Option names, ranges and defaults are librealsense's (e.g. "filter_magnitude", "holes_fill",
// "filter_smooth_alpha"). set_option validates and throws std::invalid_argument naming the block,
// the option and the valid range. Stateful blocks (temporal) reset their history when an option
// or the input resolution changes.
//
// Streams: process(frame, s) runs the block's ops on `s` (MLX's StreamOrDevice rule; {} = the
// default device's stream), which also decides each op's implementation (core/dispatch.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <mlx/stream.h>
#include <mlx/utils.h>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct OptionRange {
  float min = 0, max = 0, step = 1, def = 0;
  std::string description;
};

class ProcessingBlock {
 public:
  virtual ~ProcessingBlock() = default;
  /// Short name used by --chain and presets: "decimation", "spatial", "depth2disparity", ...
  virtual std::string name() const = 0;
  /// Runs the block on one frame on stream `s` (lazy: returns arrays not yet evaluated).
  Frame process(const Frame& in, mx::StreamOrDevice s = {});
  /// All options with their ranges and defaults.
  virtual std::map<std::string, OptionRange> options() const = 0;
  virtual float get_option(const std::string& option) const = 0;
  virtual void set_option(const std::string& option, float value) = 0;
  /// Clears per-stream history (no-op for stateless blocks).
  virtual void reset() {}

 protected:
  /// The block's work on the resolved stream (process() resolves it).
  virtual Frame run(const Frame& in, mx::Stream s) = 0;
};

/// Creates a block by chain name; throws std::invalid_argument listing the known names.
std::unique_ptr<ProcessingBlock> make_block(const std::string& name);
/// Names make_block accepts.
std::vector<std::string> block_names();

/// Registration used by each block's .cpp (keeps make_block free of a central list).
using BlockFactory = std::unique_ptr<ProcessingBlock> (*)();
bool register_block(const std::string& name, BlockFactory factory);

}  // namespace robomlx::depth

#define ROBOMLX_DEPTH_BLOCK(id, name, factory) \
  static const bool robomlx_depth_block_##id = ::robomlx::depth::register_block(name, factory)
