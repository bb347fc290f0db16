#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The OpenCV side of scripts/stereo-cpu-peers: StereoSGBM (MODE_SGBM_3WAY, block 5) timed on the
# pairs `robomlx bench stereo` wrote with ROBOMLX_BENCH_STEREO_PAIRS (<W>x<H>_{left,right}.pgm),
# with the parameters of robomlx's in-process OpenCV row (src/robomlx/stereo/sgm_opencv_peer.cpp):
# P1 = 8 * 5^2, P2 = 32 * 5^2, disp12MaxDiff 1, preFilterCap 63, uniqueness 10, speckle 100 / 32.
# For machines whose robomlx build has no OpenCV: any cv2 (pip's opencv-python, Debian's
# python3-opencv) with OpenCV's thread pool set to the CPUs this process may use (taskset).
#
#   stereo_cpu_peer.py PAIRS_DIR --sizes 672x376:64,1280x720:128 [--repeats 10] [--warmup 2] [--json F]
import argparse
import json
import os
import statistics
import sys
import time

import cv2


def parse_sizes(text):
    out = []
    for e in text.split(","):
        wh, nd = e.split(":")
        w, h = wh.split("x")
        out.append((int(w), int(h), int(nd)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs")
    ap.add_argument("--sizes", default="672x376:64,1280x720:128")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cv2.setNumThreads(threads)
    results = []
    for w, h, nd in parse_sizes(a.sizes):
        paths = [os.path.join(a.pairs, f"{w}x{h}_{side}.pgm") for side in ("left", "right")]
        left, right = (cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in paths)
        if left is None or right is None or left.shape != (h, w) or right.shape != (h, w):
            sys.exit(f"[stereo.peer] {paths[0]}: expected two {w}x{h} grey PGMs (run robomlx bench stereo with "
                     "ROBOMLX_BENCH_STEREO_PAIRS first)")
        block = 5
        sgbm = cv2.StereoSGBM_create(0, (nd + 15) // 16 * 16, block, 8 * block * block, 32 * block * block, 1, 63, 10,
                                     100, 32, cv2.StereoSGBM_MODE_SGBM_3WAY)
        times = []
        for i in range(a.warmup + a.repeats):
            t0 = time.perf_counter()
            d16 = sgbm.compute(left, right)
            ms = (time.perf_counter() - t0) * 1e3
            if i >= a.warmup:
                times.append(ms)
        times.sort()
        valid = float((d16 >= 0).mean())
        results.append({"name": f"opencv SGBM_3WAY {w}x{h} D={nd}", "median_ms": statistics.median(times),
                        "p10_ms": times[len(times) // 10], "p90_ms": times[min(len(times) - 1, len(times) * 9 // 10)],
                        "samples": len(times), "valid_fraction": valid})
        print(f"{results[-1]['name']:<40} {results[-1]['median_ms']:9.2f} ms  valid {valid:.3f}", flush=True)
    doc = {"peer": "opencv " + cv2.__version__, "threads": threads, "results": results}
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump(doc, f, indent=1)
        os.replace(a.json + ".tmp", a.json)


if __name__ == "__main__":
    main()
