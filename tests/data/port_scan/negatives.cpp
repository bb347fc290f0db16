// Fixture: no findings. Blockers in comments, strings, disabled code and look-alike names.
// cudaMalloc(&p, n); kernel<<<1, 1>>>(); #include <cuda_runtime.h>; VIDIOC_QBUF; epoll_wait(...)
/* __global__ void k() { atomicAdd(p, 1); }   rs2::pipeline p;   sl::Camera zed; */
#include <vector>
#include "cuda_rasterizer/rasterizer.h"
#include "my_cuda_helpers.h"

#if 0
#include <cuda_runtime.h>
__global__ void disabled_kernel(float* p) { atomicAdd(p, 1.f); }
#endif

namespace robot {
struct Cuda {};
int cudart_version = 0;
int cudaq = 0;
const char* kMessage = "cudaMalloc failed; VIDIOC_DQBUF returned EAGAIN on /dev/video0 (see nvidia-smi)";
const char* kRaw = R"doc(__global__ void in_raw_string() { cub::DeviceScan::ExclusiveSum(); })doc";
char quote = '"';
const char* kAfterQuote = "thrust::sort in a string after a char literal";
#define STRINGIFY(x) #x
const char* kMacro = STRINGIFY(prose);
#error "this #error text mentions cudaMemcpy and ioctl("
}  // namespace robot
