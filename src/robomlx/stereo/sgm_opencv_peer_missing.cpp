// SPDX-License-Identifier: Apache-2.0
// Stand-in for sgm_opencv_peer.cpp, compiled only when OpenCV is not found (CMakeLists.txt):
// the SGBM peer and the benchmark pair fail with UnsupportedFeatureError.
#include <string>

#include "robomlx/core/error.h"
#include "robomlx/stereo/sgm_opencv_peer.h"

namespace robomlx::stereo {

namespace {
[[noreturn]] void missing(const std::string& what) {
  throw UnsupportedFeatureError("[stereo] " + what + " needs OpenCV, and this build has none "
                                "(install libopencv-dev and reconfigure, or pass -DROBOMLX_WITH_OPENCV=ON)");
}
}  // namespace

mx::array opencv_sgbm(const mx::array&, const mx::array&, int) { missing("the OpenCV SGBM peer"); }
std::pair<mx::array, mx::array> middlebury_bench_pair(const std::string&, int, int) {
  missing("the benchmark pair (cv::resize)");
}

}  // namespace robomlx::stereo
