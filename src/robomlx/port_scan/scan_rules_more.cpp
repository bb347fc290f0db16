// SPDX-License-Identifier: Apache-2.0
// The second half of the rules table: kernel helpers found outside kernel bodies, sim, sensor,
// platform (Linux-only and CUDA-toolkit build assumptions) and server. Sensor rules come before
// platform ones so "/dev/video0" is a sensor finding and "/dev/shm" a platform one.
#include "robomlx/port_scan/scan_rules_internal.h"

namespace robomlx::port_scan::detail {

namespace {
using B = Bucket;
using X = Complexity;
using C = Confidence;

constexpr std::string_view kCub = "mx::sort / mx::argsort / mx::cumsum / reductions (MLX ops), unique by sort + diff";
constexpr std::string_view kCudaSource = "fast::metal_kernel with the body rewritten in MSL, or a custom Primitive";
constexpr std::string_view kSim =
    "SimBackend=mac-sim: put the simulator behind a SimBackend adapter (mac-sim on macOS), imports inside it";
constexpr std::string_view kV4l2 =
    "SensorBackend: AVFoundation for video, IOKit UVC sideband for exposure / gain / white balance (macOS has "
    "no V4L2); capability-gate controls, do not fake parity";
constexpr std::string_view kRealsense =
    "wrap, don't replace: librealsense runs on macOS with FORCE_RSUSB_BACKEND (libuvc); port only its CUDA "
    "processing (robomlx depth filters)";
constexpr std::string_view kZed =
    "ZED SDK is CUDA-only: open the ZED as a UVC camera (AVFoundation), rectify from its calibration file, "
    "stereo depth on MLX (robomlx stereo)";
constexpr std::string_view kGst = "GStreamer runs on macOS (avfvideosrc, vtdec); keep it, drop NVIDIA elements";
constexpr std::string_view kNvmm =
    "avfvideosrc + videoconvert / vtdec (VideoToolbox); no NVMM buffers or nv* elements on macOS";
constexpr std::string_view kCudaBuild =
    "gate the CUDA language behind an option (MLX picks CUDA or Metal); Apple builds compile C++ only and reach "
    "the GPU through MLX (Metal)";
constexpr std::string_view kTorchExt =
    "build the C++ with CMake against MLX (mlx::core); custom ops become Primitives or fast::metal_kernel";
constexpr std::string_view kLinuxFs = "macOS: sysctl / sysctlbyname, mach host_statistics, IOKit (no procfs or sysfs)";
constexpr std::string_view kEpoll = "kqueue on macOS, or a portable loop (poll, asio, libuv; Python selectors)";
constexpr std::string_view kInotify = "FSEvents or kqueue EVFILT_VNODE (Python: watchdog)";
constexpr std::string_view kNvsmi = "mx::metal::device_info() / robomlx info for the GPU; powermetrics for power";
constexpr std::string_view kServer =
    "robomlx serve: OpenAI-compatible and KServe v2 HTTP on MLX (continuous batching, /v2/models/{m}/infer)";
constexpr std::string_view kServerModel =
    "a robomlx serve model on MLX (C++), or the Python model behind an OpenAI-compatible process";

Rule R(std::string_view id, B b, unsigned langs, std::string_view pattern, X x, C c, std::string_view what,
       std::string_view repl, std::string_view adapter = {}) {
  return Rule{id, b, langs, pattern, x, c, what, repl, adapter};
}
}  // namespace

std::vector<Rule> scan_rules_more() {
  return {
      // ---- kernel: library calls and kernel sources outside __global__ / @triton.jit bodies ----
      R("kernel.cub-thrust", B::kernel, kC, "cub ::", X::medium, C::high, "CUB call", kCub),
      R("kernel.cub-thrust", B::kernel, kC, "thrust ::", X::medium, C::high, "Thrust call", kCub),
      R("kernel.cub-thrust", B::kernel, kC, "#cub/", X::medium, C::high, "CUB header", kCub),
      R("kernel.cub-thrust", B::kernel, kC, "#thrust/", X::medium, C::high, "Thrust header", kCub),
      R("kernel.cooperative-groups", B::kernel, kC, "#cooperative_groups", X::hard, C::high, "cooperative groups header",
        "block-level sync becomes threadgroup_barrier; grid sync splits the kernel in two"),
      R("kernel.source-string", B::kernel, kPy, ". RawKernel (", X::hard, C::high, "CUDA source in a string (CuPy)", kCudaSource),
      R("kernel.source-string", B::kernel, kPy, ". RawModule (", X::hard, C::high, "CUDA source in a string (CuPy)", kCudaSource),
      R("kernel.source-string", B::kernel, kPy, ". ElementwiseKernel (", X::easy, C::high, "CuPy elementwise kernel",
        "MLX ops (vectorised; mx::compile fuses them)"),
      R("kernel.source-string", B::kernel, kPy, ". ReductionKernel (", X::medium, C::high, "CuPy reduction kernel",
        "MLX reductions (mx::sum / max over axes, segment ids + scatter)"),
      R("kernel.source-string", B::kernel, kPy, "SourceModule (", X::hard, C::high, "CUDA source in a string (PyCUDA)", kCudaSource),
      R("kernel.source-string", B::kernel, kPy, "load_inline (", X::hard, C::medium, "CUDA source compiled at run time",
        kCudaSource),
      R("kernel.triton-import", B::kernel, kPy, "import:triton", X::easy, C::high, "Triton language import",
        "KernelBackend: remove once every @triton.jit kernel of the file is ported (see its kernel findings)"),
      // ---- sim ----
      R("sim.isaacsim", B::sim, kPy, "import:isaacsim", X::hard, C::high, "Isaac Sim", kSim),
      R("sim.omni", B::sim, kPy, "import:omni", X::hard, C::high, "Omniverse Kit (omni.*)", kSim),
      R("sim.carb", B::sim, kPy, "import:carb", X::medium, C::high, "Carbonite (carb)", kSim),
      R("sim.pxr", B::sim, kPy, "import:pxr", X::medium, C::high, "USD (pxr)",
        "usd-core wheels run on macOS; keep USD I/O behind the SimBackend, not in task code"),
      R("sim.warp", B::sim, kPy, "import:warp", X::hard, C::high, "NVIDIA Warp",
        "MLX ops vectorised over env_ids, or KernelBackend kernels for @wp.kernel bodies"),
      R("sim.warp", B::sim, kPy, "@ wp . kernel", X::hard, C::high, "Warp kernel",
        "MLX ops vectorised over env_ids (elementwise), or a fast::metal_kernel"),
      R("sim.warp", B::sim, kPy, "@ warp . kernel", X::hard, C::high, "Warp kernel",
        "MLX ops vectorised over env_ids (elementwise), or a fast::metal_kernel"),
      R("sim.isaaclab", B::sim, kPy, "import:isaaclab", X::medium, C::medium, "Isaac Lab module (wraps Isaac Sim)", kSim),
      R("sim.isaacgym", B::sim, kPy, "import:isaacgym", X::hard, C::high, "Isaac Gym (CUDA-only)", kSim),
      R("sim.isaacgym", B::sim, kPy, "import:isaacgymenvs", X::hard, C::high, "Isaac Gym envs", kSim),
      R("sim.planner", B::sim, kPy, "import:curobo", X::hard, C::high, "cuRobo (CUDA motion planning)",
        "PlannerBackend: a CPU / MLX planner behind the adapter (collision checks as MLX ops)", "PlannerBackend"),
      R("sim.planner", B::sim, kPy, "import:nvblox_torch", X::hard, C::high, "nvblox (CUDA mapping)",
        "PlannerBackend: a CPU / MLX TSDF behind the adapter", "PlannerBackend"),
      R("sim.pxr", B::sim, kC, "#pxr/", X::medium, C::high, "USD (pxr) header", kSim),
      R("sim.pxr", B::sim, kC, "PXR_NS ::", X::medium, C::high, "USD (pxr) API", kSim),
      R("sim.carb", B::sim, kC, "carb ::", X::medium, C::high, "Carbonite API", kSim),
      R("sim.omni", B::sim, kC, "omni ::", X::hard, C::high, "Omniverse API", kSim),
      // ---- sensor ----
      R("sensor.v4l2", B::sensor, kC, "VIDIOC_^", X::hard, C::high, "V4L2 ioctl request", kV4l2),
      R("sensor.v4l2", B::sensor, kC, "V4L2_^", X::hard, C::high, "V4L2 constant", kV4l2),
      R("sensor.v4l2", B::sensor, kC, "v4l2_^", X::hard, C::high, "V4L2 struct / call", kV4l2),
      R("sensor.v4l2", B::sensor, kC, "#linux/videodev", X::hard, C::high, "V4L2 header", kV4l2),
      R("sensor.v4l2", B::sensor, kC, "#libv4l", X::hard, C::high, "libv4l header", kV4l2),
      R("sensor.v4l2", B::sensor, kC | kPy, "\"/dev/video*", X::hard, C::high, "V4L2 device node", kV4l2),
      R("sensor.ioctl", B::sensor, kC, "ioctl (", X::hard, C::medium, "ioctl call (V4L2 style device control)", kV4l2),
      R("sensor.ioctl", B::sensor, kPy, "fcntl . ioctl", X::hard, C::medium, "ioctl call", kV4l2),
      R("sensor.v4l2", B::sensor, kPy, "CAP_V4L2", X::easy, C::high, "OpenCV V4L2 capture", "cv2.CAP_AVFOUNDATION"),
      R("sensor.v4l2", B::sensor, kPy, "import:v4l2", X::hard, C::high, "V4L2 bindings", kV4l2),
      R("sensor.v4l2", B::sensor, kPy, "import:linuxpy", X::hard, C::high, "V4L2 bindings (linuxpy)", kV4l2),
      R("sensor.realsense", B::sensor, kC, "rs2 ::", X::easy, C::high, "librealsense API", kRealsense),
      R("sensor.realsense", B::sensor, kC, "rs2_^", X::easy, C::high, "librealsense C API", kRealsense),
      R("sensor.realsense", B::sensor, kC, "#librealsense2/", X::easy, C::high, "librealsense header", kRealsense),
      R("sensor.realsense", B::sensor, kPy, "import:pyrealsense2", X::easy, C::high, "pyrealsense2", kRealsense),
      R("sensor.zed", B::sensor, kC, "#sl/", X::hard, C::high, "ZED SDK header", kZed),
      R("sensor.zed", B::sensor, kC, "sl :: Camera", X::hard, C::high, "ZED SDK camera", kZed),
      R("sensor.zed", B::sensor, kC, "sl :: InitParameters", X::hard, C::high, "ZED SDK camera", kZed),
      R("sensor.zed", B::sensor, kC, "sl ::", X::hard, C::medium, "ZED SDK API (namespace sl)", kZed),
      R("sensor.zed", B::sensor, kPy, "import:pyzed", X::hard, C::high, "ZED SDK (pyzed)", kZed),
      R("sensor.nvmm", B::sensor, kC | kPy, "\"*memory:NVMM", X::hard, C::high, "NVMM buffers (Jetson)", kNvmm),
      R("sensor.nvmm", B::sensor, kC | kPy, "\"*nvarguscamerasrc", X::hard, C::high, "Jetson camera element", kNvmm),
      R("sensor.nvmm", B::sensor, kC | kPy, "\"*nvvidconv", X::hard, C::high, "Jetson converter element", kNvmm),
      R("sensor.nvmm", B::sensor, kC | kPy, "\"*nvvideoconvert", X::hard, C::high, "DeepStream converter", kNvmm),
      R("sensor.nvmm", B::sensor, kC | kPy, "\"*nvv4l2", X::hard, C::high, "Jetson V4L2 codec element", kNvmm),
      R("sensor.gstreamer", B::sensor, kC | kPy, "\"*v4l2src", X::medium, C::high, "GStreamer V4L2 source",
        "avfvideosrc (GStreamer on macOS)"),
      R("sensor.gstreamer", B::sensor, kC, "#gst/", X::medium, C::high, "GStreamer header", kGst),
      R("sensor.gstreamer", B::sensor, kC, "gst_^", X::medium, C::high, "GStreamer call", kGst),
      R("sensor.gstreamer", B::sensor, kPy, "import:gi.repository.Gst", X::medium, C::high, "GStreamer (PyGObject)", kGst),
      R("sensor.jetson", B::sensor, kPy, "import:jetson_utils", X::hard, C::high, "jetson-utils capture", kNvmm),
      R("sensor.jetson", B::sensor, kPy, "import:jetson", X::hard, C::high, "Jetson inference / utils", kNvmm),
      // ---- platform: Linux-only paths and calls ----
      R("platform.dev-shm", B::platform, kC | kPy, "\"/dev/shm*", X::easy, C::high, "/dev/shm path",
        "POSIX shm_open + mmap (a name, not a path, on macOS)"),
      R("platform.linux-path", B::platform, kC | kPy, "\"/dev/*", X::medium, C::medium, "Linux device path",
        "IOKit / AVFoundation device discovery on macOS"),
      R("platform.linux-path", B::platform, kC | kPy, "\"/proc/*", X::medium, C::high, "procfs path", kLinuxFs),
      R("platform.linux-path", B::platform, kC | kPy, "\"/sys/*", X::medium, C::high, "sysfs path", kLinuxFs),
      R("platform.epoll", B::platform, kC, "epoll_^", X::medium, C::high, "epoll", kEpoll),
      R("platform.epoll", B::platform, kC, "#sys/epoll", X::medium, C::high, "epoll header", kEpoll),
      R("platform.epoll", B::platform, kPy, "select . epoll", X::medium, C::high, "epoll", kEpoll),
      R("platform.inotify", B::platform, kC, "inotify_^", X::medium, C::high, "inotify", kInotify),
      R("platform.inotify", B::platform, kC, "#sys/inotify", X::medium, C::high, "inotify header", kInotify),
      R("platform.inotify", B::platform, kPy, "import:inotify", X::medium, C::high, "inotify", kInotify),
      R("platform.inotify", B::platform, kPy, "import:inotify_simple", X::medium, C::high, "inotify", kInotify),
      R("platform.inotify", B::platform, kPy, "import:pyinotify", X::medium, C::high, "inotify", kInotify),
      R("platform.linux-call", B::platform, kC, "eventfd", X::medium, C::high, "eventfd", kEpoll),
      R("platform.linux-call", B::platform, kC, "timerfd_^", X::medium, C::high, "timerfd", "kqueue EVFILT_TIMER / dispatch timers"),
      R("platform.linux-call", B::platform, kC, "signalfd", X::medium, C::high, "signalfd", "kqueue EVFILT_SIGNAL"),
      R("platform.linux-call", B::platform, kC, "memfd_create", X::medium, C::high, "memfd_create", "shm_open + unlink"),
      R("platform.linux-call", B::platform, kC, "sched_setaffinity", X::easy, C::high, "CPU affinity",
        "no affinity on macOS: QoS classes (pthread_set_qos_class_self_np)"),
      R("platform.linux-call", B::platform, kPy, "os . sched_setaffinity", X::easy, C::high, "CPU affinity",
        "no affinity on macOS: drop it"),
      R("platform.linux-call", B::platform, kC, "prctl", X::easy, C::medium, "prctl", "pthread_setname_np / drop"),
      R("platform.linux-header", B::platform, kC, "#linux/", X::medium, C::high, "Linux kernel header",
        "a macOS equivalent behind the adapter (IOKit, kqueue, sysctl)"),
      R("platform.linux-header", B::platform, kC, "#sys/eventfd", X::medium, C::high, "eventfd header", kEpoll),
      R("platform.linux-header", B::platform, kC, "#sys/timerfd", X::medium, C::high, "timerfd header", kEpoll),
      R("platform.linux-header", B::platform, kC, "#sys/prctl", X::easy, C::high, "prctl header", "drop"),
      R("platform.nvidia-smi", B::platform, kC | kPy, "\"nvidia-smi*", X::easy, C::high, "nvidia-smi", kNvsmi),
      R("platform.nvidia-smi", B::platform, kC, "nvml^", X::easy, C::high, "NVML call", kNvsmi),
      R("platform.nvidia-smi", B::platform, kC, "#nvml", X::easy, C::high, "NVML header", kNvsmi),
      R("platform.nvidia-smi", B::platform, kPy, "import:nvidia_smi", X::easy, C::high, "nvidia-smi bindings", kNvsmi),
      // ---- platform: build files that assume nvcc / a CUDA toolkit ----
      R("platform.cuda-build", B::platform, kCMake, "enable_language ( CUDA", X::medium, C::high, "CUDA language", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "find_package ( CUDAToolkit", X::medium, C::high, "CUDA toolkit", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "find_package ( CUDA", X::medium, C::high, "FindCUDA", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "cuda_add_^", X::medium, C::high, "FindCUDA target", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "~CMAKE_CUDA", X::medium, C::high, "CMake CUDA setting", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "~CUDA_ARCHITECTURES", X::medium, C::high, "CUDA architectures", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "~CUDA::", X::medium, C::high, "CUDA toolkit target", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "~COMPILE_LANGUAGE:CUDA", X::medium, C::high, "CUDA-only flags", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "~-arch=sm_", X::medium, C::high, "nvcc architecture flag", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "\"*-arch=sm_", X::medium, C::high, "nvcc architecture flag", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "\"*--expt-", X::medium, C::high, "nvcc flag", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "~--expt-", X::medium, C::high, "nvcc flag", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "\"*-gencode", X::medium, C::high, "nvcc flag", kCudaBuild),
      R("platform.cuda-build", B::platform, kCMake, "CUDA", X::medium, C::medium, "CUDA language in a project", kCudaBuild),
      R("platform.cuda-build", B::platform, kPy, "CUDAExtension", X::medium, C::high, "torch CUDAExtension", kTorchExt),
      R("platform.cuda-build", B::platform, kPy, "import:torch.utils.cpp_extension", X::medium, C::high,
        "torch C++/CUDA extension build", kTorchExt),
      R("platform.cuda-build", B::platform, kPy, "CUDA_HOME", X::medium, C::high, "CUDA toolkit path", kTorchExt),
      R("platform.cuda-build", B::platform, kPy, "\"nvcc\" :", X::medium, C::high, "nvcc flags", kTorchExt),
      R("platform.cuda-build", B::platform, kPy, "\"nvcc\"", X::medium, C::medium, "nvcc", kTorchExt),
      // ---- dependencies in build files ----
      R("compute.dependency", B::compute, kDeps, "dep:cupy*", X::hard, C::high, "CuPy dependency", "mlx"),
      R("compute.dependency", B::compute, kDeps, "dep:pycuda", X::hard, C::high, "PyCUDA dependency", "mlx"),
      R("compute.dependency", B::compute, kDeps, "dep:tensorrt*", X::hard, C::high, "TensorRT dependency", "mlx"),
      R("compute.dependency", B::compute, kDeps, "dep:torch-tensorrt", X::hard, C::high, "Torch-TensorRT dependency", "mlx"),
      R("compute.dependency", B::compute, kDeps, "dep:nvidia-*", X::medium, C::high, "NVIDIA CUDA wheel", "mlx (mlx-metal on macOS)"),
      R("compute.dependency", B::compute, kDeps, "dep:+cu", X::easy, C::high, "CUDA build of a wheel", "the plain wheel + mlx"),
      R("compute.dependency", B::compute, kDeps, "dep:[cuda", X::easy, C::high, "CUDA extra of a wheel", "the plain wheel + mlx"),
      R("kernel.dependency", B::kernel, kDeps, "dep:triton", X::medium, C::high, "Triton dependency (Linux / CUDA wheels)",
        "drop once the kernels are ported (MLX ops / fast::metal_kernel)"),
      R("sim.dependency", B::sim, kDeps, "dep:warp-lang", X::hard, C::high, "Warp dependency", kSim),
      R("sim.dependency", B::sim, kDeps, "dep:isaacsim*", X::hard, C::high, "Isaac Sim dependency", kSim),
      R("sim.dependency", B::sim, kDeps, "dep:isaaclab*", X::medium, C::high, "Isaac Lab dependency", kSim),
      R("sensor.dependency", B::sensor, kDeps, "dep:pyzed", X::hard, C::high, "ZED SDK dependency", kZed),
      R("server.dependency", B::server, kDeps, "dep:tritonclient*", X::medium, C::high, "Triton client dependency", kServer),
      // ---- server: Triton Inference Server ----
      R("server.triton-client", B::server, kPy, "import:tritonclient", X::medium, C::high, "Triton client", kServer),
      R("server.triton-backend", B::server, kPy, "import:triton_python_backend_utils", X::hard, C::high,
        "Triton Python backend model", kServerModel),
      R("server.triton-backend", B::server, kPy, "TritonPythonModel", X::hard, C::high, "Triton Python backend model", kServerModel),
      R("server.triton-inproc", B::server, kPy, "import:tritonserver", X::hard, C::high, "Triton in-process API", kServer),
      R("server.triton-inproc", B::server, kC, "TRITONSERVER_^", X::hard, C::high, "Triton server C API", kServer),
      R("server.triton-backend", B::server, kC, "TRITONBACKEND_^", X::hard, C::high, "Triton backend C API", kServerModel),
      R("server.triton-inproc", B::server, kC, "#triton/core/", X::hard, C::high, "Triton core header", kServer),
      R("server.triton-client", B::server, kC, "triton :: client", X::medium, C::high, "Triton C++ client", kServer),
  };
}

}  // namespace robomlx::port_scan::detail
