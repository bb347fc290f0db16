/* Fixture: platform bucket, Linux-only calls in C. Markers (`expect:`) are comments. */
#include <sys/epoll.h>  // expect: platform.epoll
#include <sys/inotify.h>  // expect: platform.inotify
#include <sys/eventfd.h>  // expect: platform.linux-header
#include <sys/timerfd.h>  // expect: platform.linux-header
#include <sys/prctl.h>  // expect: platform.linux-header
#include <linux/input.h>  // expect: platform.linux-header
#include <nvml.h>  // expect: platform.nvidia-smi
#include <sys/event.h>

void linux_only(void) {
  int ep = epoll_create1(0);  // expect: platform.epoll
  int in = inotify_init1(0);  // expect: platform.inotify
  int ev = eventfd(0, 0);  // expect: platform.linux-call
  int tf = timerfd_create(0, 0);  // expect: platform.linux-call
  int sf = signalfd(-1, 0, 0);  // expect: platform.linux-call
  int mf = memfd_create("x", 0);  // expect: platform.linux-call
  sched_setaffinity(0, 0, 0);  // expect: platform.linux-call
  prctl(15, "worker");  // expect: platform.linux-call
  FILE* f = fopen("/proc/cpuinfo", "r");  // expect: platform.linux-path
  FILE* g = fopen("/sys/class/thermal/thermal_zone0/temp", "r");  // expect: platform.linux-path
  int shm = open("/dev/shm/frames", 0);  // expect: platform.dev-shm
  int tty = open("/dev/ttyUSB0", 0);  // expect: platform.linux-path
  system("nvidia-smi --query-gpu=memory.used");  // expect: platform.nvidia-smi
  nvmlInit();  // expect: platform.nvidia-smi
  const char* doc = "reads /proc/meminfo";  /* not at the start: prose */
  int kq = kqueue();  // epoll_wait( in a comment
}
