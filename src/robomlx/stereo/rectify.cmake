# SPDX-License-Identifier: Apache-2.0
# OpenCV for the stereo application layer: calibration maps (calib3d), image files (imgcodecs),
# video capture (videoio) and the interactive tuner (highgui). Included from stereo/CMakeLists.txt.
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs calib3d videoio highgui)
target_include_directories(robomlx SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
target_link_libraries(robomlx PRIVATE ${OpenCV_LIBS})

# The stereo tests compare the MLX remap with cv::remap, so they link OpenCV too. The test
# targets are created after src/, hence the deferred call at the end of the top directory.
set_property(GLOBAL PROPERTY ROBOMLX_STEREO_OPENCV_LIBS "${OpenCV_LIBS}")
set_property(GLOBAL PROPERTY ROBOMLX_STEREO_OPENCV_INCLUDES "${OpenCV_INCLUDE_DIRS}")
function(robomlx_stereo_link_opencv_tests)
  if(TARGET robomlx_stereo_tests)
    get_property(libs GLOBAL PROPERTY ROBOMLX_STEREO_OPENCV_LIBS)
    get_property(dirs GLOBAL PROPERTY ROBOMLX_STEREO_OPENCV_INCLUDES)
    target_include_directories(robomlx_stereo_tests SYSTEM PRIVATE ${dirs})
    target_link_libraries(robomlx_stereo_tests PRIVATE ${libs})
  endif()
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL robomlx_stereo_link_opencv_tests)
