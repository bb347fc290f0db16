// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/block.h"

#include <stdexcept>

#include "robomlx/core/dispatch.h"

namespace robomlx::depth {

namespace {

// Function-local static: blocks register from static initialisers in other translation units.
std::map<std::string, BlockFactory>& registry() {
  static std::map<std::string, BlockFactory> blocks;
  return blocks;
}

}  // namespace

Frame ProcessingBlock::process(const Frame& in, mx::StreamOrDevice s) { return run(in, op_stream(s)); }

bool register_block(const std::string& name, BlockFactory factory) {
  registry()[name] = factory;
  return true;
}

std::vector<std::string> block_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<ProcessingBlock> make_block(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& n : block_names()) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("[depth.block] unknown block '" + name + "', known: " + known);
  }
  return it->second();
}

}  // namespace robomlx::depth
