// SPDX-License-Identifier: Apache-2.0
// Shared option bookkeeping for the blocks: a table of OptionRange plus current values, with the
// librealsense range check ("[depth.decimation] filter_magnitude must be in [1, 8], got 9").
// Options whose step is 1 are integers in librealsense; non-integer values are rejected for them.
#pragma once

#include <map>
#include <string>

#include "robomlx/depth/block.h"

namespace robomlx::depth {

class OptionTable {
 public:
  explicit OptionTable(std::string block) : block_(std::move(block)) {}

  void add(const std::string& name, OptionRange range);
  const std::map<std::string, OptionRange>& ranges() const { return ranges_; }
  /// Throws "[depth.<block>] unknown option 'x', known: a, b".
  float get(const std::string& name) const;
  /// Range-checks and stores; returns the stored value.
  float set(const std::string& name, float value);
  /// Stores without the check (coupled options set each other to a range end).
  void force(const std::string& name, float value) { values_.at(name) = value; }
  const std::string& block() const { return block_; }

 private:
  const OptionRange& range(const std::string& name) const;
  std::string block_;
  std::map<std::string, OptionRange> ranges_;
  std::map<std::string, float> values_;
};

/// Convenience base: a ProcessingBlock whose options live in an OptionTable.
class TableBlock : public ProcessingBlock {
 public:
  explicit TableBlock(const std::string& name) : table_(name) {}
  std::string name() const override { return table_.block(); }
  std::map<std::string, OptionRange> options() const override { return table_.ranges(); }
  float get_option(const std::string& option) const override { return table_.get(option); }
  void set_option(const std::string& option, float value) override { table_.set(option, value); }

 protected:
  /// "[depth.<name>] " prefix for messages.
  std::string tag() const { return "depth." + table_.block(); }
  OptionTable table_;
};

}  // namespace robomlx::depth
