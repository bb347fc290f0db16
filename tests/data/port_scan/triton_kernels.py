# Fixture: kernel bucket, Triton. One @triton.jit kernel per class; the finding sits on the
# kernel's name. Markers (`expect:`) are comments, which port-scan never reads.
import triton  # expect: kernel.triton-import
import triton.language as tl  # expect: kernel.triton-import


@triton.jit
def add_kernel(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):  # expect: kernel.elementwise
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(out_ptr + offs, tl.load(x_ptr + offs, mask=mask) + tl.load(y_ptr + offs, mask=mask), mask=mask)


@triton.jit
def gather_kernel(a_ptr, idx_ptr, out_ptr, n, BLOCK: tl.constexpr):  # expect: kernel.elementwise-indexed
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    idx = tl.load(idx_ptr + offs, mask=offs < n)
    tl.store(out_ptr + offs, tl.load(a_ptr + idx), mask=offs < n)


@triton.jit
def scatter_kernel(v_ptr, idx_ptr, out_ptr, n, BLOCK: tl.constexpr):  # expect: kernel.scatter-reduce
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.atomic_add(out_ptr + tl.load(idx_ptr + offs), tl.load(v_ptr + offs))


@triton.jit
def blocked_kernel(v_ptr, idx_ptr, out_ptr, n, BLOCK: tl.constexpr):  # expect: kernel.blocked-scatter
    for start in range(0, n, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        tl.atomic_add(out_ptr + tl.load(idx_ptr + offs), tl.load(v_ptr + offs))


@triton.jit
def segment_kernel(v_ptr, offsets_ptr, out_ptr):  # expect: kernel.segment-reduce
    s = tl.program_id(0)
    lo = tl.load(offsets_ptr + s)
    hi = tl.load(offsets_ptr + s + 1)
    acc = 0.0
    for k in range(lo, hi):
        acc += tl.load(v_ptr + k)
    tl.store(out_ptr + s, acc)


@triton.autotune(configs=[], key=["n"])
@triton.jit
def mvmr_kernel(a_ptr, b_ptr, a_idx_ptr, out_ptr, n, BLOCK: tl.constexpr):  # expect: kernel.sparse-matmul
    offs = tl.arange(0, BLOCK)
    a = tl.load(a_ptr + tl.load(a_idx_ptr + offs))
    b = tl.load(b_ptr + offs)
    tl.atomic_add(out_ptr + offs, tl.dot(a, b))


@triton.jit
def matmul_kernel(a_ptr, b_ptr, c_ptr, BLOCK: tl.constexpr):  # expect: kernel.shared-memory-tiles
    a = tl.load(a_ptr + tl.arange(0, BLOCK))
    b = tl.load(b_ptr + tl.arange(0, BLOCK))
    tl.store(c_ptr, tl.dot(a, b))


def launch(x, y, out):
    """@triton.jit in a docstring is no kernel; tl.atomic_add here is prose."""
    # @triton.jit
    # def commented_kernel(): ...
    add_kernel[(1,)](x, y, out, 16, BLOCK=16)
    return out
