#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ctest kernels.nvcc: compiles every CUDA kernel text of src/robomlx/*/kernels with nvcc for sm_90,
wrapped as MLX's fast::cuda_kernel wraps it (kernels.py: the header, then a __global__ function
with the inputs, their _shape when the body mentions it, the outputs, and the template arguments
as constexpr / using lines), once per template instance the launch code uses. No GPU needed.

MLX compiles with NVRTC and includes mlx/backend/cuda/device/utils.cuh, which the CPU wheel does
not ship; a small prelude stands in (Shape, Strides, inf, cooperative groups). #line directives
make errors name the kernel file and line.
Prints ptxas' registers, spills and shared memory per kernel. Exit 0 when all compile, 1 when
one fails, 77 (ctest SKIP_RETURN_CODE) when there is no nvcc.
Usage: nvcc_check.py [--jobs N] [--keep DIR]   (nvcc: $ROBOMLX_NVCC, PATH, /usr/local/cuda/bin)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernels import KERNELS, PRELUDE, kernel_text, located, uncovered  # noqa: E402

PRELUDE_MLX = r"""#include <cstdint>
#include <cooperative_groups.h>
#define inf (__int_as_float(0x7f800000))
struct Shape { int32_t d[8]; __host__ __device__ const int32_t& operator[](int i) const { return d[i]; } };
struct Strides { int64_t d[8]; __host__ __device__ const int64_t& operator[](int i) const { return d[i]; } };
"""


def find_nvcc():
    for c in (os.environ.get("ROBOMLX_NVCC"), shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc"):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def constant(name, value):
    if isinstance(value, bool):
        return "  constexpr bool %s = %s;\n" % (name, "true" if value else "false")
    if isinstance(value, int):
        return "  constexpr int %s = %d;\n" % (name, value)
    return "  using %s = %s;\n" % (name, value)


def function(kernel, inst, fname):
    params = ",\n".join("    %s %s" % p for p in kernel.params(inst=inst))
    consts = "".join(constant(n, inst[n]) for n in kernel.template_args())
    body = kernel.prefix + located(kernel.body)
    return '__global__ void %s(\n%s) {\n%s\n%s\n#line 1 "nvcc_check wrapper"\n}\n' % (fname, params, consts, body)


def units(jobs):
    """Translation units for `jobs` parallel nvcc runs: kernels spread by a rough cost (text size
    times instances; the header counts, unrolled line walkers dominate), grouped by header in
    each unit (a namespace per header, as each MLX module has its own)."""
    cost = lambda k: (len(k.header_text()) + 4 * len(kernel_text(k.body))) * len(k.instances)
    bins = [[] for _ in range(jobs)]
    for k in sorted(KERNELS, key=cost, reverse=True):
        min(bins, key=lambda b: sum(map(cost, b))).append(k)
    out = []
    for b in bins:
        groups = {}
        for k in b:
            groups.setdefault(tuple(k.header), []).append(k)
        text, names = PRELUDE_MLX + located(PRELUDE["cuda"]) + "\n", []
        for g, (header, ks) in enumerate(groups.items()):
            text += "namespace unit%d {\n%s\n#line 1 \"nvcc_check\"\n" % (g, "".join(located(h) for h in header))
            text += "namespace mlx::core::cu {\nnamespace cg = cooperative_groups;\n"
            for k in ks:
                for i, inst in enumerate(k.instances):
                    fname = "%s_%d" % (k.name, i)
                    names.append(fname)
                    text += function(k, inst, fname)
            text += "}  // namespace mlx::core::cu\n}\n"
        if names:
            out.append((text, names))
    return out


def summary(stderr, names):
    """Per kernel: registers, spill stores, shared memory (from ptxas -v)."""
    rows, cur = {}, None
    for line in stderr.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            cur = max((n for n in names if n in m.group(1)), key=len, default=m.group(1))  # _1 is in _10
            rows[cur] = {}
        elif cur and "Used" in line:
            rows[cur]["regs"] = re.search(r"Used (\d+) registers", line).group(1)
            smem = re.search(r"(\d+) bytes smem", line)
            rows[cur]["smem"] = smem.group(1) if smem else "0"
        elif cur and "spill stores" in line:
            rows[cur]["spill"] = re.search(r"(\d+) bytes spill stores", line).group(1)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", help="write the generated .cu files here")
    args = ap.parse_args()
    missing = uncovered()
    if missing:
        print("kernel files not in tests/cuda_emu/kernels.py: " + ", ".join(missing))
        return 1
    nvcc = find_nvcc()
    if not nvcc:
        print("SKIP: no nvcc (PATH, /usr/local/cuda/bin, $ROBOMLX_NVCC): the CUDA kernels are not compile-checked")
        return 77
    tmp = args.keep or tempfile.mkdtemp(prefix="robomlx-nvcc-")
    os.makedirs(tmp, exist_ok=True)
    todo = units(max(1, args.jobs))
    count = sum(len(n) for _, n in todo)
    print("%s: %d kernel instances from %d kernels in %d units, sm_90" % (nvcc, count, len(KERNELS), len(todo)))

    def compile_unit(i):
        text, names = todo[i]
        path = os.path.join(tmp, "kernels%d.cu" % i)
        with open(path, "w") as f:
            f.write(text)
        cmd = [nvcc, "-std=c++17", "-arch=sm_90", "-cubin", "-Xptxas", "-v", "-o", path[:-3] + ".cubin", path]
        t0 = time.time()
        r = subprocess.run(cmd, capture_output=True, text=True)
        return r, names, time.time() - t0

    t0 = time.time()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(compile_unit, range(len(todo))))
    status = 0
    for i, (r, names, secs) in enumerate(results):
        print("unit %d: %d kernels, %.1f s, %s" % (i, len(names), secs, "ok" if r.returncode == 0 else "FAILED"))
        if r.returncode != 0:
            status = 1
            print("\n".join(l for l in r.stderr.splitlines() if "ptxas info" not in l and "bytes stack" not in l))
            continue
        rows = summary(r.stderr, names)
        for n in names:
            row = rows.get(n, {})
            print("  %-44s %3s registers  %4s B spilled  %6s B shared" %
                  (n, row.get("regs", "?"), row.get("spill", "?"), row.get("smem", "?")))
    print("kernels.nvcc: %s in %.1f s" % ("all compiled" if status == 0 else "FAILED", time.time() - t0))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
