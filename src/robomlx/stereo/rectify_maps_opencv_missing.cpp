// SPDX-License-Identifier: Apache-2.0
// Stand-in for rectify_maps_opencv.cpp, compiled only when OpenCV is not found (CMakeLists.txt):
// the maps need OpenCV (stereoRectify), so computing them fails with UnsupportedFeatureError.
#include "robomlx/core/error.h"
#include "robomlx/stereo/rectify.h"

namespace robomlx::stereo {

Rectification compute_rectification(const StereoCalibration&, int, int, mx::StreamOrDevice) {
  throw UnsupportedFeatureError("[stereo] computing rectification maps (stereoRectify) needs OpenCV, and this build "
                                "has none (install libopencv-dev and reconfigure, or pass -DROBOMLX_WITH_OPENCV=ON)");
}

}  // namespace robomlx::stereo
