// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/sgm.h"

#include <stdexcept>

#include "robomlx/core/check.h"

namespace robomlx::stereo {

void SgmOptions::validate() const {
  fail_argument("stereo.sgm", "not implemented yet");
}

DisparityResult compute_disparity(const mx::array&, const mx::array&, const SgmOptions& opts) {
  opts.validate();
  throw std::logic_error("[stereo.sgm] not implemented yet");
}

}  // namespace robomlx::stereo
