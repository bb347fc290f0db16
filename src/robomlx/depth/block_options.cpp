// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/block_options.h"

#include <cmath>

#include "robomlx/core/check.h"

namespace robomlx::depth {

void OptionTable::add(const std::string& name, OptionRange range) {
  values_[name] = range.def;
  ranges_[name] = std::move(range);
}

const OptionRange& OptionTable::range(const std::string& name) const {
  auto it = ranges_.find(name);
  if (it == ranges_.end()) {
    std::string known;
    for (const auto& [n, r] : ranges_) known += (known.empty() ? "" : ", ") + n;
    fail_argument("depth." + block_, "unknown option '" + name + "', known: " + (known.empty() ? "(none)" : known));
  }
  return it->second;
}

float OptionTable::get(const std::string& name) const {
  range(name);
  return values_.at(name);
}

float OptionTable::set(const std::string& name, float value) {
  const OptionRange& r = range(name);
  check_range("depth." + block_, name, value, r.min, r.max);
  if (r.step == 1 && std::floor(value) != value) {
    fail_argument("depth." + block_, name + " must be an integer in [" + std::to_string(int(r.min)) + ", " +
                                         std::to_string(int(r.max)) + "], got " + std::to_string(value));
  }
  values_[name] = value;
  return value;
}

}  // namespace robomlx::depth
