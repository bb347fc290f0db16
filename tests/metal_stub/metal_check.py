#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ctest kernels.metal_clang: checks the Metal text of every GPU kernel (tests/cuda_emu/kernels.py)
with clang as C++17 against metal_stub.h, since no Metal compiler runs here. Each kernel becomes one
translation unit written as MLX's fast::metal_kernel writes it (mlx/backend/common/metal_kernel.cpp,
write_signature): the dialect's Metal prelude and the kernel's headers, then per template instance
of the launches a `[[kernel]]` function template whose signature MLX would generate
(`const device T* x [[buffer(i)]]`, or `const constant T*` for an input of fewer than 8 elements;
`const constant int* x_shape` when the body names it; `device T* out`; a `uint3 name [[name]]`
argument for each thread-position attribute name found in the body, MLX's comma rule included),
the body, and its explicit instantiation. Every instance is written once with all inputs in device
memory, once with all in constant memory and, for kernels of several inputs, once with each input
alone in constant memory, so helpers must accept either address space.
Also lints the Metal text for what the stub cannot express: lambdas, C++ features Metal lacks,
pointer or reference declarations without an address space.

  metal_check.py [--jobs N] [--keep DIR]    every kernel: exit 0 when all pass, 1 otherwise
  metal_check.py --expect-fail DIR          negative cases (DIR/*.cu, each a one-kernel body with an
                                            optional same-named .cuh header): exit 0 only when every
                                            case is rejected, except DIR/ok_*.cu, which must pass
Exit 77 (ctest SKIP_RETURN_CODE) when there is no clang++ ($ROBOMLX_CLANG, PATH).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cuda_emu"))
from kernels import KERNELS, PRELUDE, Kernel, kernel_text, located, translate  # noqa: E402

STUB = os.path.join(HERE, "metal_stub.h")
# MLX's table of thread-position attributes (metal_kernel.cpp), in its order.
ATTRIBUTES = [
    ("dispatch_quadgroups_per_threadgroup", "uint"), ("dispatch_simdgroups_per_threadgroup", "uint"),
    ("dispatch_threads_per_threadgroup", "uint3"), ("grid_origin", "uint3"), ("grid_size", "uint3"),
    ("quadgroup_index_in_threadgroup", "uint"), ("quadgroups_per_threadgroup", "uint"),
    ("simdgroup_index_in_threadgroup", "uint"), ("simdgroups_per_threadgroup", "uint"),
    ("thread_execution_width", "uint"), ("thread_index_in_quadgroup", "uint"),
    ("thread_index_in_simdgroup", "uint"), ("thread_index_in_threadgroup", "uint"),
    ("thread_position_in_grid", "uint3"), ("thread_position_in_threadgroup", "uint3"),
    ("threadgroup_position_in_grid", "uint3"), ("threadgroups_per_grid", "uint3"),
    ("threads_per_grid", "uint3"), ("threads_per_simdgroup", "uint"), ("threads_per_threadgroup", "uint3"),
]
SPACES = r"\b(?:device|constant|threadgroup|thread)\b"


def find_clang():
    for c in (os.environ.get("ROBOMLX_CLANG"), shutil.which("clang++")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def template_value(v):
    """A template value as MLX's write_template prints it (bools as 1 / 0)."""
    return str(int(v)) if isinstance(v, bool) else str(v)


def kernel_function(k, inst, constant_inputs):
    """One instance of kernel k as MLX writes its Metal source, without the preamble and header."""
    src = k.source("metal")
    targs = [(n, inst[n]) for n in k.template_args()]
    name = "custom_kernel_" + k.name
    tdef = ""
    if targs:
        tdef = "<" + ", ".join(template_value(v) for _, v in targs) + ">"
        h = tdef.replace("<", "_").replace(">", "_").replace(", ", "_")[:-1]
        name += "_" + h
    in_types = [k.type_of(t, inst) for _, t in k.inputs]
    out_types = [k.type_of(t, inst) for _, t in k.outputs]
    for i, t in enumerate(in_types):
        name += "_" + t + ("c" if i in constant_inputs else "")
    for t in out_types:
        name += "_" + t
    text = ""
    if targs:
        kinds = ["bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "typename" for _, v in targs]
        text += "template <" + ", ".join("%s %s" % (kd, n) for kd, (n, _) in zip(kinds, targs)) + ">\n"
    text += "[[kernel]] void %s(\n" % name
    attrs = ["  %s %s [[%s]]" % (t, a, a) for a, t in ATTRIBUTES if a in src]
    index = 0
    for i, ((n, _), t) in enumerate(zip(k.inputs, in_types)):
        text += "  const %s %s* %s [[buffer(%d)]],\n" % ("constant" if i in constant_inputs else "device", t, n, index)
        index += 1
        for suffix, ty in (("_shape", "const constant int*"), ("_strides", "const constant int64_t*"),
                           ("_ndim", "const constant int&")):
            if n + suffix in src:
                text += "  %s %s%s [[buffer(%d)]],\n" % (ty, n, suffix, index)
                index += 1
    for (n, _), t in zip(k.outputs, out_types):
        text += "  device %s* %s [[buffer(%d)]]" % (t, n, index)
        # MLX's rule, which counts shape buffers in `index` (a body that names no attribute and
        # reads a _shape gets a malformed signature on Metal: so does it here).
        text += ",\n" if index < len(k.inputs) + len(k.outputs) - 1 or attrs else ") {\n"
        index += 1
    for j, a in enumerate(attrs):
        text += a + (",\n" if j < len(attrs) - 1 else ") {\n")
    text += static_threadgroup(located(k.body, "metal")) + "\n}\n"
    if targs:
        # MLX adds [[host_name("...")]] [[kernel]], which clang rejects on an explicit instantiation.
        text += "template decltype(%s%s) %s%s;\n" % (name, tdef, name, tdef)
    return text


def static_threadgroup(body):
    """threadgroup declarations of a body as `static`: clang allows address spaces on statics only."""
    return re.sub(r"(?m)^(\s*)((?:alignas\(\d+\)\s*)?)threadgroup\b(?!_)", r"\1\2static threadgroup", body)


def variants(k):
    """Sets of inputs passed in constant memory: none, all, and each alone."""
    n = len(k.inputs)
    out = [set(), set(range(n))]
    if n > 1:
        out += [{i} for i in range(n)]
    return out


def unit(k):
    text = '#line 1 "metal_check: %s"\n' % k.name
    text += located(PRELUDE["metal"], "metal") + "\n"
    text += "".join(located(h, "metal") for h in k.header) + "\n"
    for inst in k.instances:
        for consts in variants(k):
            text += kernel_function(k, inst, consts)
    return text


def lint(k):
    """Problems in the Metal text of k's body and headers that the stub cannot see."""
    problems = []
    parts = [(h, kernel_text(h, "metal")) for h in [PRELUDE["metal"]] + k.header + [k.body]]
    for path, text in parts:
        code = re.sub(r"//[^\n]*", "", text)
        where = path if os.path.isabs(path) else "src/robomlx/" + path
        if re.search(r"(?:=|\(|,|return)\s*\[[&=\w\s,]*\]\s*[({]", code):
            problems.append("%s: a lambda (Metal has none: use a helper function in a header)" % where)
        for pattern, what in ((r"\blong\s+long\b", "long long (use int64_t)"), (r"\bgoto\b", "goto"),
                              (r"\bvirtual\b", "virtual functions"), (r"\b(?:throw|try|catch)\b", "exceptions"),
                              (r"\bnew\s+\w", "new"), (r"\bdelete\b", "delete"), (r"\bthread_local\b", "thread_local"),
                              (r"\b(?:dynamic_cast|typeid)\b", "RTTI"), (r"\bstd::", "the C++ standard library")):
            if re.search(pattern, code):
                problems.append("%s: %s, which Metal does not have" % (where, what))
        decl = re.compile(r"(?m)^\s*(?!return\b|else\b|case\b)(?:const\s+)?(?:unsigned\s+|signed\s+)?[A-Za-z_]\w*"
                          r"(?:<[^<>;()]*>)?\s*(?:const\s*)?[*&]\s*\w+\s*(?:=|;|\[)")
        for m in decl.finditer(code):
            problems.append("%s: `%s`: a pointer or reference without an address space (RM_DEVICE, RM_GROUP, "
                            "RM_THREAD, or auto)" % (where, m.group(0).strip()))
        func = re.compile(r"\binline\b[^;{}]*?\b\w+\s*\(((?:[^()]|\([^()]*\))*)\)\s*(?:const\s*)?\{")
        for m in func.finditer(code):
            depth, cur, params = 0, "", []
            for ch in m.group(1):
                depth += ch in "(<["
                depth -= ch in ")>]"
                if ch == "," and depth == 0:
                    params.append(cur)
                    cur = ""
                else:
                    cur += ch
            params.append(cur)
            for p in params:
                if re.search(r"[*&]", p) and not re.search(SPACES, p):
                    problems.append("%s: parameter `%s` without an address space" % (where, p.strip()))
    return problems


def run_clang(clang, path):
    cmd = [clang, "-std=c++17", "-fsyntax-only", "-Wno-unknown-attributes", "-Wno-unknown-pragmas",
           "-Wno-unused-value", "-ferror-limit=20", "-include", STUB, path]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def check(clang, kernels, tmp, jobs):
    """(kernel, ok, message) for each kernel."""
    def one(k):
        try:
            text = unit(k)
            problems = lint(k)
        except SystemExit as e:  # a translation error (unknown token, index in a header)
            return k, False, str(e)
        path = os.path.join(tmp, k.name + ".metal.cpp")
        with open(path, "w") as f:
            f.write(text)
        ok, err = run_clang(clang, path)
        return k, ok and not problems, "\n".join(problems + ([err] if err.strip() else []))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, kernels))


def negative_kernels(folder):
    """DIR/<case>.cu (+ <case>.cuh): a kernel `x` float [n] -> `out` float [n], launched 1-D."""
    cases = []
    for f in sorted(os.listdir(folder)):
        if f.endswith(".cu"):
            path = os.path.abspath(os.path.join(folder, f))
            header = path + "h" if os.path.exists(path + "h") else None
            k = Kernel("negative_" + f[:-3], path, [("x", "float")], [("out", "float")],
                       header=[header] if header else [])
            cases.append(k)
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", help="write the generated translation units here")
    ap.add_argument("--expect-fail", help="folder of negative cases, each of which must be rejected")
    args = ap.parse_args()
    clang = find_clang()
    if not clang:
        print("SKIP: no clang++ (PATH, $ROBOMLX_CLANG): the Metal kernel texts are not checked")
        return 77
    tmp = args.keep or tempfile.mkdtemp(prefix="robomlx-metal-")
    os.makedirs(tmp, exist_ok=True)
    status = 0
    if args.expect_fail:
        # ok_*.cu are correct kernels among them: they must pass, so the others fail for their own fault.
        results = check(clang, negative_kernels(args.expect_fail), tmp, args.jobs)
        for k, ok, msg in results:
            control = k.name.startswith("negative_ok_")
            first = next((l for l in msg.splitlines() if "error" in l), msg.strip().split("\n")[0][:200])
            verdict = ("accepted" if ok else "REJECTED (should pass): " + first.strip()) if control else \
                ("ACCEPTED (should fail)" if ok else "rejected: " + first.strip())
            print("%-36s %s" % (k.name, verdict))
            status |= ok != control
        print("kernels.metal_clang.negative: %s (%d cases)" % ("FAILED" if status else "as expected", len(results)))
    else:
        results = check(clang, KERNELS, tmp, args.jobs)
        for k, ok, msg in results:
            n = len(k.instances) * len(variants(k))
            print("%-40s %3d instances  %s" % (k.name, n, "ok" if ok else "FAILED"))
            if not ok:
                status = 1
                # The same error repeats once per instance: each distinct line once.
                lines = list(dict.fromkeys(msg.splitlines()))
                print("\n".join("    " + l for l in lines[:40]))
        passed = sum(ok for _, ok, _ in results)
        print("kernels.metal_clang: %d of %d kernels pass (%d instances)" %
              (passed, len(results), sum(len(k.instances) * len(variants(k)) for k in KERNELS)))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
