#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Per-call cost of robomlx from Python against the same work from C++, in one process.

The RealSense standard chain (decimation, depth2disparity, spatial, temporal, disparity2depth,
hole_filling) on the golden synthetic frame, nearest-resized to each size as `robomlx bench depth`
does. Each side runs the same loop: process the frame, then mx.eval the result. The C++ loop runs
inside the extension (robomlx.depth._time_in_cpp), so both see the same machine load; the calls
alternate one by one and the overhead is the median of the paired differences. The floor is the same comparison
on a 2x2 frame (all launch and binding overhead, no pixels), plus the bare cost of crossing into
the module (a call that does nothing) and of wrapping a NumPy array.

    PYTHONPATH=build/python .venv/bin/python python/bench/overhead.py [--iters 50] [--rounds 5]
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import mlx.core as mx
import numpy as np

import robomlx
from robomlx import depth as rd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import read_pgm16, shared_dir  # noqa: E402


def frame(base, w, h):
    ys = np.arange(h) * base.shape[0] // h
    xs = np.arange(w) * base.shape[1] // w
    intr = rd.Intrinsics()
    intr.width, intr.height = w, h
    intr.fx = intr.fy = 421.88 * w / 848
    intr.ppx, intr.ppy = w / 2, h / 2
    intr.model = "brown_conrady"
    f = rd.Frame(mx.array(base[ys][:, xs]), "z16", intr, depth_units=0.001, baseline_mm=50.0)
    mx.eval(f.data)
    return f


def py_loop(pipe, f, iters):
    out = []
    for _ in range(iters):
        t0 = time.perf_counter()
        mx.eval(pipe.process(f).data)
        out.append(time.perf_counter() - t0)
    return out


def compare(f, iters, rounds):
    # Python and C++ calls alternate one by one, so load drift on a shared machine hits both;
    # the overhead is the median of the paired differences.
    py, cpp = [], []
    pipe_py, pipe_cpp = rd.Pipeline("standard"), rd.Pipeline("standard")
    py_loop(pipe_py, f, 5)
    rd._time_in_cpp(pipe_cpp, f, 5)  # warm-up: first runs compile and allocate
    for _ in range(iters * rounds):
        py += py_loop(pipe_py, f, 1)
        cpp += rd._time_in_cpp(pipe_cpp, f, 1)
    p, c = statistics.median(py) * 1e6, statistics.median(cpp) * 1e6
    d = statistics.median(a - b for a, b in zip(py, cpp)) * 1e6
    return {"python_us": round(p, 1), "cpp_us": round(c, 1), "overhead_us": round(d, 1),
            "overhead_pct": round(100 * d / c, 2), "samples": len(py)}


def floor_call(n=200000):
    fn = robomlx._robomlx.core.zero_copy_available
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def floor_numpy_arg(n=20000):
    import robomlx.sparse as sp
    x, lengths = np.ones((4, 2), np.float32), np.array([2, 2], np.int32)
    xm, lm = mx.array(x), mx.array(lengths)
    res = {}
    for name, args in [("mlx", (xm, lm)), ("numpy", (x, lengths))]:
        t0 = time.perf_counter()
        for _ in range(n):
            sp.segment_reduce(*args, "sum", check=False)  # graph construction only, no eval
        res[name] = (time.perf_counter() - t0) / n * 1e6
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    base = read_pgm16(shared_dir() / "golden/realsense/inputs/synth848_seq0.pgm")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.machine()) if Path("/proc/cpuinfo").exists() else platform.machine()
    result = {"machine": f"{cpu}, {os.cpu_count()} cores, {platform.system()}",
              "robomlx": robomlx.__version__, "mlx": mx.__version__, "device": str(mx.default_device()),
              "cases": {}}
    for name, (w, h) in {"2x2 (floor)": (2, 2), "848x480": (848, 480), "1280x720": (1280, 720)}.items():
        result["cases"][f"standard chain {name}"] = compare(frame(base, w, h), a.iters, a.rounds)
    result["call_into_module_us"] = round(floor_call(), 3)
    result["segment_sum_graph_us"] = {k: round(v, 2) for k, v in floor_numpy_arg().items()}
    print(json.dumps(result, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
