# Fixture: platform bucket, Python. Markers (`expect:`) are comments.
import os
import select
import subprocess
import inotify.adapters  # expect: platform.inotify
import inotify_simple  # expect: platform.inotify
import pyinotify  # expect: platform.inotify
import nvidia_smi  # expect: platform.nvidia-smi

ep = select.epoll()  # expect: platform.epoll
os.sched_setaffinity(0, {1})  # expect: platform.linux-call
out = subprocess.run(["nvidia-smi", "-L"])  # expect: platform.nvidia-smi
mem = open("/proc/meminfo").read()  # expect: platform.linux-path
shm = "/dev/shm/buffer"  # expect: platform.dev-shm
sel = select.kqueue()
print("see /proc/meminfo or nvidia-smi for details")
