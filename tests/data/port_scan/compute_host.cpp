// Fixture: compute bucket, C++ host code (CUDA runtime, libraries, libtorch). Findings are
// expected on lines marked `expect:` (markers sit in comments, which port-scan never reads).
#include <cuda.h>  // expect: compute.cuda-header
#include <cuda_runtime.h>  // expect: compute.cuda-header
#include <cuda_fp16.h>  // expect: compute.cuda-header
#include <cuda_bf16.h>  // expect: compute.cuda-header
#include <cuda_fp8.h>  // expect: compute.cuda-header
#include <cuda/std/atomic>  // expect: compute.cuda-header
#include <cuda_gl_interop.h>  // expect: compute.cuda-header
#include <cuda_texture_types.h>  // expect: compute.cuda-header
#include <cuda_device_runtime_api.h>  // expect: compute.cuda-header
#include <cuda_profiler_api.h>  // expect: compute.cuda-header
#include <cuda_occupancy.h>  // expect: compute.cuda-header
#include <cuComplex.h>  // expect: compute.cuda-header
#include <vector_types.h>  // expect: compute.cuda-header
#include <device_launch_parameters.h>  // expect: compute.cuda-header
#include "helper_cuda.h"  // expect: compute.cuda-header
#include <ATen/cuda/CUDAContext.h>  // expect: compute.cuda-header
#include <c10/cuda/CUDAGuard.h>  // expect: compute.cuda-header
#include <cudnn.h>  // expect: compute.cuda-header
#include <cublas_v2.h>  // expect: compute.cuda-header
#include <curand_kernel.h>  // expect: compute.cuda-header
#include <nccl.h>  // expect: compute.cuda-header
#include <NvInfer.h>  // expect: compute.tensorrt
#include "cuda_rasterizer/config.h"
#include <vector>

void host(float* out, int n) {
  float* d = nullptr;
  cudaStream_t stream;  // expect: compute.cuda-stream
  cudaEvent_t start;  // expect: compute.cuda-stream
  cudaMallocManaged(&d, n * 4);  // expect: compute.cuda-memory
  cudaMalloc(&d, n * 4);  // expect: compute.cuda-memory
  cudaMemcpyAsync(out, d, n * 4, cudaMemcpyDeviceToHost, stream);  // expect: compute.cuda-memory compute.cuda-memory
  cudaMemcpy(out, d, n * 4, cudaMemcpyDeviceToHost);  // expect: compute.cuda-memory compute.cuda-memory
  cudaFree(d);  // expect: compute.cuda-memory
  cudaDeviceSynchronize();  // expect: compute.cuda-runtime
  cudnnHandle_t h;  // expect: compute.cudnn
  cublasSgemm(nullptr);  // expect: compute.cublas
  curand_init(0, 0, 0, nullptr);  // expect: compute.cuda-rng
  curandState rng_state;  // expect: compute.cuda-rng
  cusparseCreate(nullptr);  // expect: compute.cuda-libs
  cufftExecC2C(nullptr);  // expect: compute.cuda-libs
  cusolverDnCreate(nullptr);  // expect: compute.cuda-libs
  ncclAllReduce(nullptr);  // expect: compute.nccl
  nvtxRangePushA("step");  // expect: compute.nvtx
  nvinfer1::IBuilder* b = nullptr;  // expect: compute.tensorrt
  auto s = at::cuda::getCurrentCUDAStream();  // expect: compute.libtorch-cuda
  c10::cuda::CUDAGuard guard(0);  // expect: compute.libtorch-cuda
  torch::cuda::synchronize();  // expect: compute.libtorch-cuda
  auto dev = torch::Device(torch::kCUDA);  // expect: compute.libtorch-cuda
  bool on = t.is_cuda();  // expect: compute.libtorch-cuda
  CUDAGuard g2(0);  // expect: compute.libtorch-cuda
  OptionalCUDAGuard g3(0);  // expect: compute.libtorch-cuda
  auto t2 = t.cuda();  // expect: compute.libtorch-cuda
  dist_init(backend = "nccl");  // expect: compute.nccl
  // cudaMalloc(&d, n); in a comment is no finding, nor is /* cudaFree(d) */ below
  /* cudaFree(d); torch::kCUDA */
  const char* text = "cudaMalloc failed: see cudaGetLastError()";
  int cudart = 0, cudaq = 1;  // lower-case continuations are other names
  std::vector<int> cuda_like{cudart, cudaq};
#if 0
  cudaMalloc(&d, n);
#endif
}
