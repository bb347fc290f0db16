// SPDX-License-Identifier: Apache-2.0
// The rules table (syntax in scan_rules.h). Replacements are the seed playbook's
// (../shared/seed/porting-playbook.md), written for robomlx's C++ world: MLX C++ ops, mx::Stream,
// custom_function VJPs, fast::metal_kernel, Primitives, and the mac-native adapters.
#include "robomlx/port_scan/scan_rules.h"

#include "robomlx/port_scan/scan_rules_internal.h"

namespace robomlx::port_scan {

namespace {
using B = Bucket;
using X = Complexity;
using C = Confidence;

// Replacements shared by several rules.
constexpr std::string_view kDrop =
    "ComputeBackend=mlx: drop it; MLX arrays live in unified memory, so place work with a StreamOrDevice "
    "(mx::set_default_device, mx::Device::gpu / cpu), never by copying";
constexpr std::string_view kAmp =
    "cast parameters and activations with astype(mx::bfloat16) (MLX has no autocast); bfloat16 needs no "
    "GradScaler";
constexpr std::string_view kStreams =
    "mx::new_stream(device) and per-op StreamOrDevice; mx::eval / mx::synchronize to wait; time after mx::eval";
constexpr std::string_view kRng = "mx::random::seed, or explicit mx::random::key + split (keys, not per-device generators)";
constexpr std::string_view kDist = "mx::distributed (ring / MPI backends, all_sum, all_gather); start single-process";
constexpr std::string_view kTrt = "an MLX graph (mx::compile for fusion) with weights from safetensors / GGUF";
constexpr std::string_view kCudaHeader =
    "keep CUDA headers in the KernelBackend's CUDA twin files; portable code includes MLX only";
constexpr std::string_view kCudaApi = "ComputeBackend=mlx: mx::Device / mx::Stream / mx::array APIs (unified memory)";

Rule R(std::string_view id, B b, unsigned langs, std::string_view pattern, X x, C c, std::string_view what,
       std::string_view repl, std::string_view adapter = {}) {
  return Rule{id, b, langs, pattern, x, c, what, repl, adapter};
}

std::vector<Rule> build_table() {
  return {
      // ---- compute: Python ----
      R("compute.amp", B::compute, kPy, "torch . cuda . amp", X::medium, C::high, "CUDA AMP (torch.cuda.amp)", kAmp),
      R("compute.cuda-rng", B::compute, kPy, "torch . cuda . manual_seed*", X::easy, C::high, "CUDA RNG seed", kRng),
      R("compute.cuda-rng", B::compute, kPy, "torch . cuda . get_rng_state*", X::easy, C::high, "CUDA RNG state", kRng),
      R("compute.cuda-rng", B::compute, kPy, "torch . cuda . set_rng_state*", X::easy, C::high, "CUDA RNG state", kRng),
      R("compute.cuda-stream", B::compute, kPy, "torch . cuda . Stream", X::medium, C::high, "CUDA stream", kStreams),
      R("compute.cuda-stream", B::compute, kPy, "torch . cuda . stream", X::medium, C::high, "CUDA stream", kStreams),
      R("compute.cuda-stream", B::compute, kPy, "torch . cuda . current_stream", X::medium, C::high, "CUDA stream", kStreams),
      R("compute.cuda-stream", B::compute, kPy, "torch . cuda . Event", X::medium, C::high, "CUDA event", kStreams),
      R("compute.cuda-stream", B::compute, kPy, "torch . cuda . synchronize", X::easy, C::high, "CUDA synchronize", kStreams),
      R("compute.cuda-memory", B::compute, kPy, "torch . cuda . empty_cache", X::easy, C::high, "CUDA memory query",
        "mx::get_active_memory / get_peak_memory / get_cache_memory / clear_cache"),
      R("compute.cuda-memory", B::compute, kPy, "torch . cuda . max_memory*", X::easy, C::high, "CUDA memory query",
        "mx::get_peak_memory / reset_peak_memory"),
      R("compute.cuda-memory", B::compute, kPy, "torch . cuda . memory*", X::easy, C::high, "CUDA memory query",
        "mx::get_active_memory / get_cache_memory"),
      R("compute.cuda-graph", B::compute, kPy, "torch . cuda . graph*", X::medium, C::high, "CUDA graph",
        "mx::compile (graph capture and kernel fusion)"),
      R("compute.cuda-graph", B::compute, kPy, "CUDAGraph", X::medium, C::high, "CUDA graph", "mx::compile"),
      R("compute.torch-cuda", B::compute, kPy, "torch . cuda", X::easy, C::high, "torch.cuda API", kDrop),
      R("compute.amp", B::compute, kPy, "import:torch.cuda.amp", X::medium, C::high, "CUDA AMP import", kAmp),
      R("compute.amp", B::compute, kPy, "import:torch.amp", X::medium, C::high, "AMP import", kAmp),
      R("compute.torch-cuda", B::compute, kPy, "import:torch.cuda", X::easy, C::high, "torch.cuda import", kDrop),
      R("compute.amp", B::compute, kPy, "torch . amp", X::medium, C::high, "AMP (torch.amp)", kAmp),
      R("compute.amp", B::compute, kPy, "torch . autocast", X::medium, C::high, "autocast", kAmp),
      R("compute.amp", B::compute, kPy, "GradScaler", X::medium, C::high, "AMP GradScaler", kAmp),
      R("compute.amp", B::compute, kPy, "autocast", X::medium, C::medium, "autocast", kAmp),
      R("compute.cudnn", B::compute, kPy, "torch . backends . cudnn", X::easy, C::high, "cuDNN flags",
        "drop: MLX chooses its own kernels; determinism from fixed mx::random keys"),
      R("compute.cudnn", B::compute, kPy, "torch . backends . cuda", X::easy, C::high, "CUDA backend flags (TF32)",
        "drop: no TF32 switch; pick float32 or bfloat16 explicitly"),
      R("compute.to-cuda", B::compute, kPy, ". cuda (", X::easy, C::medium, ".cuda() placement", kDrop),
      R("compute.to-cuda", B::compute, kPy, ". to ( @cuda", X::easy, C::high, ".to(\"cuda\") placement", kDrop),
      R("compute.device-cuda", B::compute, kPy, "device = @cuda", X::easy, C::high, "device=\"cuda\"", kDrop),
      R("compute.device-cuda", B::compute, kPy, "torch . device ( @cuda", X::easy, C::high, "torch.device(\"cuda\")", kDrop),
      R("compute.map-location", B::compute, kPy, "map_location =", X::easy, C::high, "checkpoint map_location",
        "mx::load / mx::load_safetensors: no device mapping (unified memory)"),
      R("compute.is-cuda", B::compute, kPy, ". is_cuda", X::easy, C::medium, "is_cuda test", kDrop),
      R("compute.pin-memory", B::compute, kPy, "pin_memory = True", X::easy, C::high, "pinned host memory",
        "drop: unified memory, nothing to pin"),
      R("compute.nccl", B::compute, kPy | kC, "backend = \"nccl\"", X::medium, C::high, "NCCL backend", kDist),
      R("compute.nccl", B::compute, kPy, "\"nccl\"", X::medium, C::medium, "NCCL backend name", kDist),
      R("compute.distributed", B::compute, kPy, "torch . distributed", X::medium, C::high, "torch.distributed", kDist),
      R("compute.distributed", B::compute, kPy, "DistributedDataParallel", X::medium, C::high, "DistributedDataParallel", kDist),
      R("compute.distributed", B::compute, kPy, "import:torch.distributed", X::medium, C::high, "torch.distributed", kDist),
      R("compute.device-cuda", B::compute, kPy, "@cuda", X::easy, C::medium, "\"cuda\" device string", kDrop),
      R("compute.cupy", B::compute, kPy, "import:cupy", X::hard, C::high, "CuPy",
        "MLX arrays and ops (mlx.core / mx:: C++); RawKernel sources become fast::metal_kernel bodies"),
      R("compute.cupy", B::compute, kPy, "import:cupyx", X::hard, C::high, "CuPy (cupyx)", "MLX ops (mx::linalg, mx::fft)"),
      R("compute.pycuda", B::compute, kPy, "import:pycuda", X::hard, C::high, "PyCUDA",
        "MLX arrays; SourceModule kernels become fast::metal_kernel or a Primitive"),
      R("compute.tensorrt", B::compute, kPy, "import:tensorrt", X::hard, C::high, "TensorRT", kTrt),
      R("compute.tensorrt", B::compute, kPy, "import:torch_tensorrt", X::hard, C::high, "Torch-TensorRT", kTrt),
      R("compute.nvtx", B::compute, kPy, "import:nvtx", X::easy, C::high, "NVTX ranges",
        "drop, or os_signpost / mx::metal::start_capture for GPU traces"),
      R("platform.nvidia-smi", B::platform, kPy, "import:pynvml", X::easy, C::high, "NVML (pynvml)",
        "mx::metal::device_info(), robomlx info; powermetrics for power"),
      // ---- compute: C / C++ / CUDA ----
      R("compute.cuda-stream", B::compute, kC, "cudaStream^", X::medium, C::high, "CUDA stream", kStreams),
      R("compute.cuda-stream", B::compute, kC, "cudaEvent^", X::medium, C::high, "CUDA event", kStreams),
      R("compute.cuda-memory", B::compute, kC, "cudaMalloc^", X::medium, C::high, "CUDA allocation",
        "mx::array storage (unified memory: no device copies, no host staging)"),
      R("compute.cuda-memory", B::compute, kC, "cudaMalloc", X::medium, C::high, "CUDA allocation", "mx::array storage"),
      R("compute.cuda-memory", B::compute, kC, "cudaMemcpy^", X::medium, C::high, "CUDA copy", "none: unified memory"),
      R("compute.cuda-memory", B::compute, kC, "cudaMemcpy", X::medium, C::high, "CUDA copy", "none: unified memory"),
      R("compute.cuda-memory", B::compute, kC, "cudaFree", X::easy, C::high, "CUDA free", "mx::array lifetime"),
      R("compute.cuda-runtime", B::compute, kC, "cuda^", X::medium, C::high, "CUDA runtime API", kCudaApi),
      R("compute.launch", B::compute, kC, "<<<", X::medium, C::high, "CUDA kernel launch",
        "KernelBackend: launch from a Primitive's eval_gpu or through fast::metal_kernel / fast::cuda_kernel"),
      R("compute.cudnn", B::compute, kC, "cudnn^", X::medium, C::high, "cuDNN call",
        "MLX ops (mx::conv2d is NHWC, mx::fast::scaled_dot_product_attention, mx::fast::layer_norm)"),
      R("compute.cublas", B::compute, kC, "cublas^", X::medium, C::high, "cuBLAS call", "mx::matmul / mx::addmm"),
      R("compute.cuda-rng", B::compute, kC, "curand^", X::medium, C::high, "cuRAND call", kRng),
      R("compute.cuda-rng", B::compute, kC, "curand_*", X::medium, C::high, "cuRAND device call", kRng),
      R("compute.cuda-libs", B::compute, kC, "cusparse^", X::hard, C::high, "cuSPARSE call",
        "gather / scatter_add MLX ops (robomlx sparse: segment reduce, MVMR)"),
      R("compute.cuda-libs", B::compute, kC, "cufft^", X::medium, C::high, "cuFFT call", "mx::fft"),
      R("compute.cuda-libs", B::compute, kC, "cusolver^", X::medium, C::high, "cuSOLVER call", "mx::linalg"),
      R("compute.nccl", B::compute, kC, "nccl^", X::hard, C::high, "NCCL call", kDist),
      R("compute.nvtx", B::compute, kC, "nvtx^", X::easy, C::high, "NVTX range", "drop, or os_signpost"),
      R("compute.libtorch-cuda", B::compute, kC, "at :: cuda", X::medium, C::high, "ATen CUDA API", kCudaApi),
      R("compute.libtorch-cuda", B::compute, kC, "c10 :: cuda", X::medium, C::high, "c10 CUDA API", kCudaApi),
      R("compute.libtorch-cuda", B::compute, kC, "torch :: cuda", X::medium, C::high, "libtorch CUDA API", kCudaApi),
      R("compute.libtorch-cuda", B::compute, kC, "kCUDA", X::easy, C::high, "libtorch CUDA device", kDrop),
      R("compute.libtorch-cuda", B::compute, kC, ". is_cuda (", X::easy, C::high, "is_cuda test", kDrop),
      R("compute.libtorch-cuda", B::compute, kC, "CUDAGuard", X::easy, C::high, "CUDA device guard", kDrop),
      R("compute.libtorch-cuda", B::compute, kC, "OptionalCUDAGuard", X::easy, C::high, "CUDA device guard", kDrop),
      R("compute.libtorch-cuda", B::compute, kC, ". cuda (", X::easy, C::medium, ".cuda() placement", kDrop),
      R("compute.cuda-header", B::compute, kC, "#cuda.h", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_runtime", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_fp16", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_bf16", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_fp8", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda/", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_gl_interop", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_texture_types", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_device_runtime", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_profiler", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuda_occupancy", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cuComplex", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#vector_types.h", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#device_launch_parameters", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#helper_cuda", X::easy, C::high, "CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#ATen/cuda", X::easy, C::high, "ATen CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#c10/cuda", X::easy, C::high, "c10 CUDA header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cudnn", X::medium, C::high, "cuDNN header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#cublas", X::medium, C::high, "cuBLAS header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#curand", X::medium, C::high, "cuRAND header", kCudaHeader),
      R("compute.cuda-header", B::compute, kC, "#nccl", X::hard, C::high, "NCCL header", kCudaHeader),
      R("compute.tensorrt", B::compute, kC, "#NvInfer", X::hard, C::high, "TensorRT header", kTrt),
      R("compute.tensorrt", B::compute, kC, "nvinfer1 ::", X::hard, C::high, "TensorRT API", kTrt),
  };
}
}  // namespace

const std::vector<Rule>& scan_rules() {
  static const std::vector<Rule> table = [] {
    std::vector<Rule> t = build_table();
    std::vector<Rule> more = detail::scan_rules_more();
    t.insert(t.end(), more.begin(), more.end());
    return t;
  }();
  return table;
}

}  // namespace robomlx::port_scan
