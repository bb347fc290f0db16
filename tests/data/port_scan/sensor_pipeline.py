# Fixture: sensor bucket, Python. Markers (`expect:`) are comments.
import fcntl
import cv2
import pyrealsense2 as rs  # expect: sensor.realsense
import pyzed.sl as sl  # expect: sensor.zed
from gi.repository import Gst  # expect: sensor.gstreamer
import jetson_utils  # expect: sensor.jetson
import jetson.inference  # expect: sensor.jetson
import v4l2  # expect: sensor.v4l2
from linuxpy.video.device import Device  # expect: sensor.v4l2

cap = cv2.VideoCapture(0, cv2.CAP_V4L2)  # expect: sensor.v4l2
cap2 = cv2.VideoCapture(0, cv2.CAP_AVFOUNDATION)
fcntl.ioctl(fd, 0x5608, buf)  # expect: sensor.ioctl
dev = open("/dev/video2", "rb")  # expect: sensor.v4l2
P1 = "nvarguscamerasrc ! nvvidconv ! appsink"  # expect: sensor.nvmm
P2 = "filesrc ! qtdemux ! nvv4l2decoder ! nvvideoconvert ! appsink"  # expect: sensor.nvmm
P3 = "videotestsrc ! nvvideoconvert ! appsink"  # expect: sensor.nvmm
P5 = "appsrc ! nvvidconv ! appsink"  # expect: sensor.nvmm
P6 = "filesrc ! nvv4l2decoder ! fakesink"  # expect: sensor.nvmm
P4 = "avfvideosrc ! videoconvert ! appsink"
DOC = """a V4L2 device under /dev/video0 with VIDIOC_QUERYCAP"""
