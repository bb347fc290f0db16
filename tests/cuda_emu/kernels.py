# SPDX-License-Identifier: Apache-2.0
"""Every GPU kernel of robomlx as the launch code builds it (a GpuKernel, core/gpu_kernel_internal.h),
for the tools that compile the kernel texts outside MLX: nvcc_check.py (ctest kernels.nvcc),
gen_emu.py (the host emulators, ctest kernels.emu.*) and tests/metal_stub/metal_check.py (ctest
kernels.metal_clang).

Kernel files are written in the kernel dialect (docs/kernels.md); kernel_text(path, backend)
translates one as cmake/robomlx_kernels.cmake does for the build (the same token table,
cmake/robomlx_kernel_dialect.txt), and every kernel's header starts with the backend's prelude.

A Kernel mirrors one GpuKernel(...) of a *_gpu.cpp: the kernel file whose text is the body, the
files joined into its header, the input and output names with their element types, and the
template arguments of the launches (`instances`: ints, bools, or element types as strings). An
element type written "$X" is the template argument X (a dtype), or, when the kernel has no
template argument X, a type the launches vary (given as "$X" in each instance): inputs of either
float32 or uint16, say. MLX adds `<input>_shape` after an input (and _strides, _ndim) when the body
mentions it; these tools do the same, from the same text.

Keep this in step with the launches: a body that uses a name this file does not declare fails
kernels.nvcc, so a new input or template constant shows up there first.
"""
import os
import re
from dataclasses import dataclass, field

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SRC = os.path.join(ROOT, "src", "robomlx")


DIALECT = os.path.join(ROOT, "cmake", "robomlx_kernel_dialect.txt")
PRELUDE = {"cuda": "core/kernels/prelude_cuda.cuh", "metal": "core/kernels/prelude_metal.cuh"}


def dialect():
    """The token table: (token, CUDA text, Metal text, body only), longest token first."""
    rows = []
    with open(DIALECT, encoding="utf-8") as f:
        for line in f:
            if line.startswith("RM_"):
                fields = line.rstrip("\n").split("|")
                rows.append((fields[0], fields[1], fields[2], len(fields) > 3 and fields[3] == "body"))
    return sorted(rows, key=lambda r: -len(r[0]))


def translate(text, path, backend):
    """A kernel file's dialect text for `backend` ("cuda" or "metal"), as the build translates it."""
    rows = dialect()
    unknown = sorted(set(re.findall(r"RM_[A-Z0-9_]+", text)) - {r[0] for r in rows})
    if unknown:
        raise SystemExit("%s: %s is not a token of the kernel dialect (%s)" % (path, unknown[0], DIALECT))
    for token, cuda, metal, body_only in rows:
        if body_only and path.endswith(".cuh") and token in text:
            raise SystemExit("%s: %s belongs in a kernel body, not a header (pass the index as an argument)" %
                             (path, token))
        text = text.replace(token, cuda if backend == "cuda" else metal)
    if path.endswith("_cuda.cuh") and backend != "cuda" or path.endswith("_metal.cuh") and backend != "metal":
        return ""
    return text


def kernel_text(path, backend="cuda"):
    """A kernel file's text as embedded (cmake/robomlx_kernels.cmake): the file after its leading
    block of // lines (it starts with an empty line), translated for `backend`."""
    with open(os.path.join(SRC, path), encoding="utf-8", newline="") as f:
        text = f.read()
    body = text[re.match(r"(?://[^\n]*\n)*", text).end():]
    if not body.startswith("\n"):
        raise SystemExit(path + ": the kernel text must start with an empty line after the comment block")
    return translate(body, path, backend)


def located(path, backend="cuda"):
    """kernel_text preceded by a #line directive naming the file's first code line (the directive
    stands for the text's leading empty line), so compiler errors name the kernel file and line."""
    with open(os.path.join(SRC, path), encoding="utf-8") as f:
        head = re.match(r"(?://[^\n]*\n)*", f.read()).group(0)
    shown = path if os.path.isabs(path) else "src/robomlx/" + path
    return '#line %d "%s"%s' % (head.count("\n") + 2, shown, kernel_text(path, backend))


@dataclass
class Kernel:
    name: str                      # the MLX kernel name of the launch
    body: str                      # kernel file (under src/robomlx) holding the body
    inputs: list                   # [(name, element type)]
    outputs: list                  # [(name, element type)]
    instances: list = field(default_factory=lambda: [{}])
    header: list = field(default_factory=list)  # kernel files joined, in order, into the header
    prefix: str = ""               # text the launch puts before the body

    def source(self, backend="cuda"):
        return self.prefix + kernel_text(self.body, backend)

    def header_text(self, backend="cuda"):
        """The kernel's header files (without the prelude, which the tools put first once)."""
        return "".join(kernel_text(h, backend) for h in self.header)

    def template_args(self):
        """Names of the template arguments, in the launches' order."""
        names = []
        for inst in self.instances:
            names += [k for k in inst if not k.startswith("$") and k not in names]
        return names

    def type_of(self, t, inst):
        """An element type for one instance."""
        if not t.startswith("$"):
            return t
        return inst[t[1:]] if t[1:] in inst else inst[t]

    def params(self, shape_type="const __grid_constant__ Shape", inst=None, resolve=True):
        """The parameter list MLX generates: (type, name) pairs."""
        src = self.source()
        out = []
        for n, t in self.inputs:
            t = self.type_of(t, inst) if resolve else t[1:] if t.startswith("$") else t
            out.append(("const %s*" % t, n))
            if n + "_shape" in src:
                out.append((shape_type, n + "_shape"))
            if n + "_strides" in src:
                out.append((shape_type.replace("Shape", "Strides"), n + "_strides"))
            if n + "_ndim" in src:
                out.append(("const __grid_constant__ int" if "grid" in shape_type else "int", n + "_ndim"))
        for n, t in self.outputs:
            t = self.type_of(t, inst) if resolve else t[1:] if t.startswith("$") else t
            out.append(("%s*" % t, n))
        return out


F, U16, U8, I32, I64, U64 = "float", "uint16_t", "uint8_t", "int32_t", "int64_t", "uint64_t"
SPATIAL_HEADER = ["depth/kernels/line_walk.cuh", "depth/kernels/spatial_filter.cuh"]
SPATIAL_ARGS = [dict(ALPHA_BITS=0x3F400000, KEEP_BITS=0x3E800000, DELTA=20, RADIUS=2)]  # options: values only
SEGMENT_HEADER = ["sparse/kernels/segment_reduce_ops.cuh"]
NEIGHBOR_COMMON = [("order", I32), ("points", F), ("queries", F), ("radius_sq", F), ("dims", I32)]
SGM_SIZE = dict(H=360, W=640)
BLEND_OPERANDS = [("means2d", F), ("conics", F), ("opacities", F), ("colors", F), ("inv_depths", F),
                  ("point_list", I32), ("tile_ranges", I32), ("size", I32), ("background", F)]

KERNELS = [
    # core/ragged_gpu.cpp
    Kernel("robomlx_scan_totals", "core/kernels/scan_totals.cu", [("x", I32)], [("totals", I32)]),
    Kernel("robomlx_scan_chunks", "core/kernels/scan_chunks.cu", [("x", I32), ("totals", I32)], [("out", I32)],
           [dict(LEAD=0), dict(LEAD=1)]),
    # depth/spatial_filter_gpu.cpp
    *[Kernel("rs_spatial_" + name, "depth/kernels/spatial_filter_%s.cu" % file, [("inp", t)], [("out", t)],
             SPATIAL_ARGS, SPATIAL_HEADER)
      for name, file, t in [("f32_rows", "float_rows", F), ("f32_columns", "float_columns", F),
                            ("f32_fill", "float_fill", F), ("z16_rows", "z16_rows", U16),
                            ("z16_columns", "z16_columns", U16)]],
    # depth/hole_filling_gpu.cpp
    Kernel("rs_hole_fill_left", "depth/kernels/hole_filling_from_left.cu", [("inp", "$T")], [("out", "$T")],
           [{"$T": U16, "V": I32}, {"$T": F, "V": F}],
           ["depth/kernels/hole_filling.cuh", "depth/kernels/line_walk.cuh",
            "depth/kernels/hole_filling_from_left_op.cuh"]),
    Kernel("rs_hole_fill_around_mb", "depth/kernels/hole_filling_around.cu", [("inp", "$T")],
           [("out", "$T"), ("progress", I32)],
           [dict(T=t, FAREST=far) for t in (U16, F) for far in (True, False)],
           ["depth/kernels/hole_filling.cuh", "depth/kernels/hole_filling_around.cuh"]),
    # depth/temporal_filter_gpu.cpp
    Kernel("rs_temporal", "depth/kernels/temporal_filter.cu",
           [("frame", "$T"), ("last", "$T"), ("history", U8), ("table", U8), ("params", F)],
           [("out", "$T"), ("new_last", "$T"), ("new_history", U8)], [dict(T=U16), dict(T=F)]),
    # depth/colorizer_gpu.cpp
    Kernel("robomlx_depth_colorizer_hist", "depth/kernels/colorizer_histogram.cu", [("data", "$D")], [("hist", I32)],
           [{"$D": U16, "N": 307200}, {"$D": F, "N": 307200}], ["depth/kernels/colorizer.cuh"]),
    Kernel("robomlx_depth_colorizer_lookup", "depth/kernels/colorizer_lookup.cu",
           [("data", "$D"), ("hist", I32), ("cum", I32), ("table", U8), ("params", F)], [("out", U8)],
           [{"$D": d, "N": 307200, "STEPS": 4000, "DISPARITY": d == F, "EQUALIZE": eq} for d in (U16, F)
            for eq in (True, False)], ["depth/kernels/colorizer.cuh"]),
    # depth/decimation_gpu.cpp
    Kernel("robomlx_depth_decimate", "depth/kernels/decimation_z16.cu", [("depth", U16)], [("out", U16)],
           [dict(S=s) for s in range(1, 9)]),
    # depth/disparity_gpu.cpp
    Kernel("robomlx_depth_to_disparity", "depth/kernels/disparity_from_depth.cu", [("inp", U16)], [("out", F)],
           [dict(K_BITS=0x461C4000)]),
    Kernel("robomlx_disparity_to_depth", "depth/kernels/disparity_to_depth.cu", [("inp", F)], [("out", U16)],
           [dict(K_BITS=0x461C4000)]),
    # depth/depth_to_points_gpu.cpp
    Kernel("robomlx_depth_pointcloud_pixels", "depth/kernels/depth_to_points_pixels.cu",
           [("depth", U16), ("rays_x", F), ("rays_y", F), ("params", F)],
           [("vertices", F), ("texcoords", F), ("pixel_x", F)], [dict(N=921600, TEXTURE=t) for t in (True, False)]),
    Kernel("robomlx_depth_pointcloud_scan", "depth/kernels/depth_to_points_occlusion.cu",
           [("depth", U16), ("vertices", F), ("pixel_x", F)], [("out", F)], [dict(H=720, W=1280)],
           ["depth/kernels/depth_to_points_occlusion.cuh"]),
    # stereo/sgm_gpu.cpp
    Kernel("robomlx_sgm_census", "stereo/kernels/sgm_census.cu", [("left", F), ("right", F)], [("cl", U64), ("cr", U64)],
           [dict(SGM_SIZE, CW=9, CH=7), dict(SGM_SIZE, CW=5, CH=5)]),
    Kernel("robomlx_sgm_aggregate", "stereo/kernels/sgm_aggregate.cu",
           [("cl", U64), ("cr", U64), ("left", F), ("right", F)], [("lr", "$T")],
           [dict(SGM_SIZE, D=d, K=(d + 31) // 32, MIN_D=0, P1=10, P2=120, AD=ad, OUTSIDE=62 + 15 * ad, T=t)
            for d, ad, t in [(64, False, U8), (128, True, U16), (256, False, U16), (17, True, U8)]]),
    Kernel("robomlx_sgm_select", "stereo/kernels/sgm_select.cu", [("lr", "$T"), ("params", F)],
           [("s", U16), ("disp", F), ("kbest", I32), ("conf", F)],
           [dict(SGM_SIZE, D=d, K=(d + 31) // 32, P=p, MIN_D=0, SUBPIX=sub, T=t)
            for d, p, sub, t in [(64, 8, True, U8), (256, 4, False, U16)]]),
    Kernel("robomlx_sgm_left_right", "stereo/kernels/sgm_left_right.cu",
           [("s", U16), ("disp", F), ("kbest", I32), ("conf", F)], [("disp_lr", F), ("conf_lr", F)],
           [dict(SGM_SIZE, D=64, MIN_D=0, LR_PLUS_1=2), dict(SGM_SIZE, D=256, MIN_D=4, LR_PLUS_1=0)]),
    Kernel("robomlx_sgm_median", "stereo/kernels/sgm_median.cu", [("disp", F), ("conf", F)],
           [("disp_med", F), ("conf_med", F)], [dict(SGM_SIZE, MS=3), dict(SGM_SIZE, MS=5)]),
    # sparse/mvmr_gpu.cpp
    Kernel("robomlx_sparse_mvmr_tiled", "sparse/kernels/mvmr.cu",
           [("a", F), ("b", F), ("a_idx", I32), ("b_idx", I32), ("o_idx", I32)], [("o", F)],
           [dict(WIDE=False), dict(WIDE=True)]),
    Kernel("robomlx_sparse_vvor_tiled", "sparse/kernels/vvor.cu",
           [("a", F), ("b", F), ("a_idx", I32), ("b_idx", I32), ("o_idx", I32)], [("o", F)],
           [dict(WIDE=False), dict(WIDE=True)], ["sparse/kernels/vvor.cuh"]),
    # sparse/neighbors_gpu.cpp
    Kernel("robomlx_sparse_radius_count", "sparse/kernels/neighbors_radius_count.cu",
           [("sorted_keys", I64), ("cell_keys", I64)] + NEIGHBOR_COMMON, [("counts", I32), ("ranges", I32)],
           header=["sparse/kernels/neighbors.cuh"]),
    Kernel("robomlx_sparse_radius_fill", "sparse/kernels/neighbors_radius_fill.cu",
           [("ranges", I32), ("offsets", I32)] + NEIGHBOR_COMMON, [("query_ids", I32), ("indices", I32), ("dist_sq", F)],
           header=["sparse/kernels/neighbors.cuh"]),
    # sparse/segment_reduce_gpu.cpp: the plain launch passes `ends` as idx (read only when INDEXED).
    Kernel("robomlx_sparse_segment_reduce_w", "sparse/kernels/segment_reduce_warp.cu",
           [("x", F), ("idx", I32), ("ends", I32)], [("y", F)],
           [dict(OP=op, INDEXED=False, SEGS=1) for op in range(4)] +
           [dict(OP=op, INDEXED=True, SEGS=segs) for op in range(4) for segs in (1, 8)], SEGMENT_HEADER),
    # sparse/segment_reduce_tile_gpu.cpp
    Kernel("robomlx_sparse_segment_reduce_tile", "sparse/kernels/segment_reduce_tile.cu",
           [("x", F), ("ends", I32), ("first", I32)], [("y", F)],
           [dict(OP=op, THREADS=128, PER=16) for op in range(4)], SEGMENT_HEADER),
    Kernel("robomlx_sparse_segment_tile_first", "sparse/kernels/segment_reduce_tile_first.cu",
           [("values", I32), ("ends", I32)], [("first", I32)], [dict(TILE=2048)]),
    # splat/blend_tiles_gpu.cpp
    Kernel("robomlx_splat_blend_forward", "splat/kernels/blend_tiles_forward.cu", BLEND_OPERANDS,
           [("color", F), ("inv_depth", F), ("alpha", F), ("final_t", F), ("n_contrib", I32)],
           header=["splat/kernels/blend_tiles.cuh"]),
    Kernel("robomlx_splat_blend_backward", "splat/kernels/blend_tiles_backward.cu",
           BLEND_OPERANDS + [("final_t", F), ("n_contrib", I32), ("d_color", F), ("d_inv_depth", F), ("d_alpha", F)],
           [("g_means2d", F), ("g_conics", F), ("g_opacities", F), ("g_colors", F), ("g_inv_depths", F)],
           header=["splat/kernels/blend_tiles.cuh"]),
]


def kernel_files():
    """Every kernel file under src/robomlx/<system>/kernels, relative to src/robomlx."""
    found = []
    for system in sorted(os.listdir(SRC)):
        folder = os.path.join(SRC, system, "kernels")
        if os.path.isdir(folder):
            found += [system + "/kernels/" + f for f in sorted(os.listdir(folder)) if f.endswith((".cu", ".cuh"))]
    return found


def uncovered():
    """Kernel files that no Kernel uses (as body or header)."""
    used = {k.body for k in KERNELS} | {h for k in KERNELS for h in k.header} | set(PRELUDE.values())
    return [f for f in kernel_files() if f not in used]
