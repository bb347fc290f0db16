// SPDX-License-Identifier: Apache-2.0
// The SAM golden case. SAM is not implemented yet: the case reports one failed check saying so.
#include "robomlx/vision/vision_golden_internal.h"

namespace robomlx::vision {

std::vector<VisionCheck> run_sam_golden_checks(const std::string& /*case_dir*/) {
  return {detail::check_failed("sam", "not implemented (SAM is not in robomlx vision yet)")};
}

}  // namespace robomlx::vision
