# SPDX-License-Identifier: Apache-2.0
# Turns the fast::cuda_kernel sources of src/robomlx/depth/*_cuda.cpp (raw strings) into host C++
# functions for emu.h, next to the previous kernels (git revision OLD_REV, the ones measured on the H100) as the
# reference. Usage: python3 gen_kernels.py REPO_ROOT OUT_DIR OLD_REV
import re, subprocess, sys

root, out_dir, old_rev = sys.argv[1], sys.argv[2], sys.argv[3]
D = root + "/src/robomlx/depth/"

def raw(src, var):
    m = re.search(r'\b' + var + r'\s*=\s*R"\((.*?)\)";', src, re.S)
    if not m:
        raise SystemExit("no raw string " + var)
    return m.group(1)

def old(path):
    return subprocess.run(["git", "-C", root, "show", old_rev + ":src/robomlx/depth/" + path],
                          capture_output=True, text=True, check=True).stdout

def emit(ns, src, headers, kernels):
    out = "namespace %s {\n" % ns + "".join(raw(h_src, v) for h_src, v in headers) + "\n"
    for k in kernels:
        consts = ""
        out += ("template <%s>\n" % k["tparams"] if k.get("tparams") else "")
        out += "void %s(%s) {\n%s%s\n}\n" % (k["fname"], k["args"], consts, raw(src, k["var"]))
    return out + "}\n"

def write(name, text):
    open(out_dir + "/" + name, "w").write('#include "emu.h"\n' + text)

walk = open(D + "cuda_line_walk.h").read()
tp = "int ALPHA_BITS, int KEEP_BITS, int DELTA, int RADIUS"
sp_old, sp_new = old("spatial_filter_cuda.cpp"), open(D + "spatial_filter_cuda.cpp").read()
old_args = lambda t: "const %s* inp, Shape inp_shape, const float* params, %s* out" % (t, t)
new_args = lambda t: "const %s* inp, Shape inp_shape, %s* out" % (t, t)
names = [("frows", "kFloatRows", "float"), ("fcols", "kFloatColumns", "float"), ("ffill", "kFloatFill", "float"),
         ("zrows", "kZ16Rows", "uint16_t"), ("zcols", "kZ16Columns", "uint16_t")]
write("emu_spatial_kernels.h",
      emit("old_k", sp_old, [(sp_old, "kHeader")], [dict(fname=f, var=v, args=old_args(t)) for f, v, t in names]) +
      emit("new_k", sp_new, [(walk, "kCudaLineWalk"), (sp_new, "kHeader")],
           [dict(fname=f, var=v, tparams=tp, args=new_args(t)) for f, v, t in names]))

hf_old, hf_new = old("hole_filling_cuda.cpp"), open(D + "hole_filling_cuda.cpp").read()
write("emu_hole_kernels.h",
      emit("old_k", hf_old, [(hf_old, "kHeader")], [
          dict(fname="left", var="kFromLeft", tparams="typename T", args="const T* inp, Shape inp_shape, T* out"),
          dict(fname="around", var="kAround", tparams="typename T, bool FAREST", args="const T* inp, Shape inp_shape, T* out")]) +
      emit("new_k", hf_new, [(hf_new, "kHeader"), (walk, "kCudaLineWalk"), (hf_new, "kFromLeftOp")], [
          dict(fname="left", var="kFromLeft", tparams="typename V, typename T", args="const T* inp, Shape inp_shape, T* out"),
          dict(fname="around", var="kAround", tparams="typename T, bool FAREST",
               args="const T* inp, Shape inp_shape, T* out, int32_t* progress")]))

write("emu_dec_kernels.h", emit("new_k", open(D + "decimation_cuda.cpp").read(), [], [
    dict(fname="dec", var="kSource", tparams="int S", args="const uint16_t* depth, Shape depth_shape, uint16_t* out")]))

pc_args = "const uint16_t* depth, const float* vertices, const float* pixel_x, float* out"
write("emu_pc_kernels.h",
      emit("old_k", old("pointcloud_cuda.cpp"), [], [dict(fname="scan", var="kScanSource", tparams="int H, int W", args=pc_args)]) +
      emit("new_k", open(D + "pointcloud_cuda.cpp").read(), [], [dict(fname="scan", var="kScanSource", tparams="int H, int W", args=pc_args)]))
