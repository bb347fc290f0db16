/* Fixture: sensor bucket, a V4L2 capture loop in C. Markers (`expect:`) are comments. */
#include <fcntl.h>
#include <linux/videodev2.h>  // expect: sensor.v4l2
#include <libv4l2.h>  // expect: sensor.v4l2
#include <sys/ioctl.h>

int open_camera(void) {
  int fd = open("/dev/video0", O_RDWR);  // expect: sensor.v4l2
  struct v4l2_capability cap;  // expect: sensor.v4l2
  if (ioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) return -1;  // expect: sensor.ioctl sensor.v4l2
  struct v4l2_format fmt = {0};  // expect: sensor.v4l2
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;  // expect: sensor.v4l2
  xioctl(fd, VIDIOC_S_FMT, &fmt);  // expect: sensor.v4l2
  /* ioctl(fd, VIDIOC_STREAMON, &type) is commented out */
  const char* help = "uses VIDIOC_QBUF and ioctl( on /dev/video0";
  return fd;
}
