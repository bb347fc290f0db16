// Fixture: sensor bucket, RealSense / ZED / GStreamer in C++. Markers (`expect:`) are comments.
#include <librealsense2/rs.hpp>  // expect: sensor.realsense
#include <sl/Camera.hpp>  // expect: sensor.zed
#include <gst/gst.h>  // expect: sensor.gstreamer

void cameras() {
  rs2::pipeline pipe;  // expect: sensor.realsense
  rs2_context* ctx = rs2_create_context(0, nullptr);  // expect: sensor.realsense sensor.realsense
  sl::Camera zed;  // expect: sensor.zed
  sl::InitParameters init;  // expect: sensor.zed
  sl::Mat image;  // expect: sensor.zed
  gst_init(nullptr, nullptr);  // expect: sensor.gstreamer
  auto* p = gst_parse_launch("nvarguscamerasrc ! video/x-raw(memory:NVMM) ! nvvidconv ! appsink", nullptr);  // expect: sensor.gstreamer sensor.nvmm
  auto* q = gst_parse_launch("v4l2src device=/dev/video1 ! videoconvert ! appsink", nullptr);  // expect: sensor.gstreamer sensor.gstreamer
  // rs2::pipeline and sl::Camera in comments are no findings
}
