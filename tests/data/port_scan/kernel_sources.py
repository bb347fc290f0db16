# Fixture: kernel bucket, CUDA sources compiled from Python strings. Markers (`expect:`) are comments.
import cupy as cp  # expect: compute.cupy
from pycuda.compiler import SourceModule  # expect: compute.pycuda
from torch.utils.cpp_extension import load_inline  # expect: platform.cuda-build

SRC = "extern \"C\" __global__ void k(float* p) { atomicAdd(p, 1.f); }"
raw = cp.RawKernel(SRC, "k")  # expect: kernel.source-string
mod = cp.RawModule(code=SRC)  # expect: kernel.source-string
add = cp.ElementwiseKernel("float32 x", "float32 y", "y = x + 1", "add")  # expect: kernel.source-string
total = cp.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "total")  # expect: kernel.source-string
legacy = SourceModule(SRC)  # expect: kernel.source-string
ext = load_inline(name="ext", cpp_sources="", cuda_sources=SRC)  # expect: kernel.source-string
