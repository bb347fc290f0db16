// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/sim_backend.h"

#include <stdexcept>
#include <string>

namespace robomlx::sim {

mx::array reset_mask(const std::vector<int>& env_ids, int n) {
  std::vector<char> mask(n, env_ids.empty() ? 1 : 0);
  for (int id : env_ids) {
    if (id < 0 || id >= n)
      throw std::invalid_argument("[sim.reset] env id must be in [0, " + std::to_string(n) + "), got " + std::to_string(id));
    mask[id] = 1;
  }
  return mx::array(reinterpret_cast<const bool*>(mask.data()), {n}, mx::bool_);
}

}  // namespace robomlx::sim
