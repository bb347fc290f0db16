# SPDX-License-Identifier: Apache-2.0
# Compile-checks every depth fast::cuda_kernel source with nvcc (sm_90), wrapped in the signature
# MLX generates (inputs, name_shape when the body mentions it, outputs; template arguments as
# constexpr lines), and prints ptxas register / spill / shared-memory use per kernel.
# Usage: python3 tests/depth/cuda_emu/nvcc_check.py   (needs nvcc; no GPU)
import os, re, subprocess, sys, tempfile

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../src/robomlx/depth/")
PRE = r'''
#include <cstdint>
#include <cooperative_groups.h>
#define inf (__int_as_float(0x7f800000))
struct Shape { int d[8]; __host__ __device__ const int& operator[](int i) const { return d[i]; } };
'''

def raw(file, var):
    m = re.search(r'\b' + var + r'\s*=\s*R"\((.*?)\)";', open(D + file).read(), re.S)
    if not m:
        raise SystemExit("no raw string %s in %s" % (var, file))
    return m.group(1)

def unit(headers, kernels):
    out = PRE + "".join(raw(f, v) for f, v in headers) + "\nnamespace mlx { namespace core { namespace cu {\nnamespace cg = cooperative_groups;\n"
    for i, (file, var, inputs, outputs, consts) in enumerate(kernels):
        body = raw(file, var)
        args = []
        for n, t in inputs:
            args.append("const %s* %s" % (t, n))
            if n + "_shape" in body:
                args.append("const __grid_constant__ Shape %s_shape" % n)
        args += ["%s* %s" % (t, n) for n, t in outputs]
        c = ""
        for n, v in consts:
            c += ("  constexpr bool %s = %s;\n" % (n, str(v).lower()) if isinstance(v, bool) else
                  "  constexpr int %s = %d;\n" % (n, v) if isinstance(v, int) else "  using %s = %s;\n" % (n, v))
        out += "__global__ void k%d_%s(%s) {\n%s%s\n}\n" % (i, var, ", ".join(args), c, body)
    return out + "}}}\n"

sp = [("ALPHA_BITS", 0x3f000000), ("KEEP_BITS", 0x3f000000), ("DELTA", 20), ("RADIUS", 4)]
f, u = "float", "uint16_t"
units = {
    "spatial": ([("cuda_line_walk.h", "kCudaLineWalk"), ("spatial_filter_cuda.cpp", "kHeader")],
                [("spatial_filter_cuda.cpp", v, [("inp", t)], [("out", t)], sp) for v, t in
                 [("kFloatRows", f), ("kFloatColumns", f), ("kFloatFill", f), ("kZ16Rows", u), ("kZ16Columns", u)]]),
    "hole_filling": ([("hole_filling_cuda.cpp", "kHeader"), ("cuda_line_walk.h", "kCudaLineWalk"), ("hole_filling_cuda.cpp", "kFromLeftOp")],
                     [("hole_filling_cuda.cpp", "kFromLeft", [("inp", u)], [("out", u)], [("V", "int32_t")]),
                      ("hole_filling_cuda.cpp", "kFromLeft", [("inp", f)], [("out", f)], [("V", "float")]),
                      ("hole_filling_cuda.cpp", "kAround", [("inp", u)], [("out", u), ("progress", "int32_t")], [("T", u), ("FAREST", True)]),
                      ("hole_filling_cuda.cpp", "kAround", [("inp", f)], [("out", f), ("progress", "int32_t")], [("T", f), ("FAREST", False)])]),
    "decimation": ([], [("decimation_cuda.cpp", "kSource", [("depth", u)], [("out", u)], [("S", s)]) for s in (1, 2, 3, 5)]),
    "disparity": ([], [("disparity_cuda.cpp", "kToDisparity", [("inp", u)], [("out", f)], [("K_BITS", 0x461c4000)]),
                       ("disparity_cuda.cpp", "kToDepth", [("inp", f)], [("out", u)], [("K_BITS", 0x461c4000)])]),
    "temporal": ([], [("temporal_filter_cuda.cpp", "kSource", [("frame", t), ("last", t), ("history", "uint8_t"), ("table", "uint8_t"), ("params", f)],
                       [("out", t), ("new_last", t), ("new_history", "uint8_t")], [("T", t)]) for t in (f, u)]),
    "colorizer": ([("colorizer_cuda.cpp", "kHeader")],
                  [("colorizer_cuda.cpp", "kHistSource", [("data", u)], [("hist", "int32_t")], [("N", 921600)])] +
                  [("colorizer_cuda.cpp", "kLookupSource", [("data", t), ("hist", "int32_t"), ("cum", "int32_t"), ("table", "uint8_t"), ("params", f)],
                    [("out", "uint8_t")], [("N", 921600), ("STEPS", 4000), ("DISPARITY", t == f), ("EQUALIZE", eq)]) for t, eq in ((u, True), (f, False))]),
    "pointcloud": ([], [("pointcloud_cuda.cpp", "kPixelSource", [("depth", u), ("rays_x", f), ("rays_y", f), ("params", f)],
                         [("vertices", f), ("texcoords", f), ("pixel_x", f)], [("N", 921600), ("TEXTURE", True)]),
                        ("pointcloud_cuda.cpp", "kScanSource", [("depth", u), ("vertices", f), ("pixel_x", f)], [("out", f)], [("H", 720), ("W", 1280)])]),
}
status = 0
with tempfile.TemporaryDirectory() as tmp:
    for name, (headers, kernels) in units.items():
        path = os.path.join(tmp, name + ".cu")
        open(path, "w").write(unit(headers, kernels))
        r = subprocess.run(["nvcc", "-std=c++17", "-arch=sm_90", "-c", "-o", os.devnull, "-Xptxas", "-v", path],
                           capture_output=True, text=True)
        lines = [l.strip() for l in r.stderr.splitlines() if "error" in l or "Used" in l or "spill stores" in l]
        print("%-13s %s" % (name, "OK" if r.returncode == 0 else "FAILED"))
        for l in lines:
            print("    " + l)
        status |= r.returncode
sys.exit(status)
