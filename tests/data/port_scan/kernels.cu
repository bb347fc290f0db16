// Fixture: kernel bucket, CUDA. One __global__ kernel per class of the seed's table; the finding
// sits on the kernel's name. Markers (`expect:`) are comments, which port-scan never reads.
#include <cooperative_groups.h>  // expect: kernel.cooperative-groups
#include <cub/cub.cuh>  // expect: kernel.cub-thrust
#include <thrust/sort.h>  // expect: kernel.cub-thrust
namespace cg = cooperative_groups;

__device__ float helper_square(float v) { return v * v; }
__device__ float helper_warp_sum(float v) {
  for (int o = 16; o > 0; o /= 2) v += __shfl_down_sync(0xffffffff, v, o);
  return v;
}
__device__ __constant__ float kScale = 2.0f;
__global__ void declared_only(float* out);

__global__ void scale_kernel(const float* a, float* out, int n) {  // expect: kernel.elementwise
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = helper_square(a[i]) * kScale;
}

__global__ void gather_kernel(const float* a, const int* idx, float* out, int n) {  // expect: kernel.elementwise-indexed
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = a[idx[i]] - a[i];
}

__global__ void scatter_add_kernel(const float* v, const int* idx, float* out, int n) {  // expect: kernel.scatter-reduce
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(out + idx[i], v[i]);
}

__global__ void blocked_scatter_kernel(const float* v, const int* idx, float* out, int n, int block) {  // expect: kernel.blocked-scatter
  const int start = (blockIdx.x * blockDim.x + threadIdx.x) * block;
  float acc = 0.f;
  int last = -1;
  for (int k = start; k < start + block && k < n; ++k) {
    if (idx[k] != last && last >= 0) { atomicAdd(out + last, acc); acc = 0.f; }
    last = idx[k];
    acc += v[k];
  }
}

__global__ void segment_sum_kernel(const float* v, const int* offsets, float* out, int segments) {  // expect: kernel.segment-reduce
  const int s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s >= segments) return;
  float acc = 0.f;
  for (int k = offsets[s]; k < offsets[s + 1]; ++k) acc += v[k];
  out[s] = acc;
}

__global__ void mvmr_kernel(const float* m, const float* x, const int* mi, const int* xi, const int* oi, float* out, int t) {  // expect: kernel.sparse-matmul
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < t) atomicAdd(out + oi[k], m[mi[k]] * x[xi[k]]);
}

__global__ void __launch_bounds__(256) warp_reduce_kernel(const float* v, float* out) {  // expect: kernel.warp-level
  float s = helper_warp_sum(v[threadIdx.x]);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}

template <int TILE>
__global__ void tiled_kernel(const float* a, float* out) {  // expect: kernel.shared-memory-tiles
  __shared__ float tile[TILE];
  tile[threadIdx.x] = a[blockIdx.x * TILE + threadIdx.x];
  __syncthreads();
  out[blockIdx.x] = tile[0];
}

__global__ void grid_sync_kernel(float* data) {  // expect: kernel.cooperative-groups
  cg::grid_group grid = cg::this_grid();
  data[grid.thread_rank()] += 1.f;
  grid.sync();
}

__global__ void block_sync_only_kernel(float* data) {  // expect: kernel.elementwise
  auto block = cg::this_thread_block();
  data[threadIdx.x] *= 2.f;
  block.sync();
}

__global__ void sort_rows_kernel(int* keys, int n) {  // expect: kernel.cub-thrust
  thrust::sort(thrust::seq, keys + blockIdx.x * n, keys + (blockIdx.x + 1) * n);  // expect: kernel.cub-thrust kernel.cub-thrust
}

void launch(float* d, int n, void* tmp, size_t bytes, int* keys) {
  scale_kernel<<<(n + 255) / 256, 256>>>(d, d, n);  // expect: compute.launch
  cub::DeviceRadixSort::SortKeys(tmp, bytes, keys, keys, n);  // expect: kernel.cub-thrust
  thrust::sort(keys, keys + n);  // expect: kernel.cub-thrust
  // __global__ void commented_kernel() {} and atomicAdd(x, 1) in comments are no findings
  const char* src = "__global__ void in_a_string() { atomicAdd(p, 1); }";
}
