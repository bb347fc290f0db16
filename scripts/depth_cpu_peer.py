#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""librealsense's CPU processing blocks timed on the inputs `robomlx bench depth` timed.

Run with a Python that has pyrealsense2 (e.g. a venv outside the repo; see scripts/depth-cpu-peers):

    ROBOMLX_BENCH_DEPTH_INPUTS=/tmp/in robomlx bench depth --device cpu --json A.json
    /tmp/rsvenv/bin/python scripts/depth_cpu_peer.py /tmp/in --json peer.json [--repeats 50 --warmup 5]

<dir>/<W>x<H>.json (written by the bench) names the frames, their intrinsics, units, baseline, the
depth->colour extrinsics and one robomlx output per row. Frames enter librealsense through
rs2::software_device (a depth sensor exposing DEPTH_UNITS and STEREO_BASELINE, a colour sensor, the
extrinsics registered between their profiles), as ../shared/golden/realsense was made. Per row, the
clock covers only the processing call and the output's data pointer, on the calling thread (the
blocks run synchronously there), after warm-up; median / p10 / p90 in ms. A fresh block's third
output on the same frame is checked against robomlx's: Z16 / RGB8 bit-exact, float32 disparity to
rel 1e-6, vertices and texture coordinates to 1e-5 (the golden tests' tolerances).
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import pyrealsense2 as rs


def read_pnm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval (comments skipped)
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    w, h, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    ch = 3 if fields[0] == b"P6" else 1
    dt = np.dtype(">u2") if maxval > 255 else np.uint8
    a = np.frombuffer(data, dt, count=w * h * ch, offset=pos).reshape((h, w, ch) if ch == 3 else (h, w))
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder("=")))


def intrinsics(d):
    i = rs.intrinsics()
    i.width, i.height, i.fx, i.fy, i.ppx, i.ppy = d["width"], d["height"], d["fx"], d["fy"], d["ppx"], d["ppy"]
    i.model, i.coeffs = rs.distortion.brown_conrady, [0.0] * 5
    return i


class Inputs:
    """One software_device with the depth and colour frames of one size, as a frameset."""

    def __init__(self, folder, meta):
        d, c = meta["depth"], meta["color"]
        self.depth_np = read_pnm(os.path.join(folder, d["file"]))
        self.color_np = read_pnm(os.path.join(folder, c["file"]))
        self.dev = rs.software_device()
        ds, cs = self.dev.add_sensor("Depth"), self.dev.add_sensor("Color")
        self.sensors = (ds, cs)

        def stream(kind, uid, fmt, bpp, intr):
            vs = rs.video_stream()
            vs.type, vs.index, vs.uid, vs.fps, vs.bpp, vs.fmt = kind, 0, uid, 30, bpp, fmt
            vs.width, vs.height, vs.intrinsics = intr["width"], intr["height"], intrinsics(intr)
            return vs

        dp = ds.add_video_stream(stream(rs.stream.depth, 0, rs.format.z16, 2, d["intrinsics"]))
        cp = cs.add_video_stream(stream(rs.stream.color, 1, rs.format.rgb8, 3, c["intrinsics"]))
        ds.add_read_only_option(rs.option.depth_units, d["depth_units"])
        ds.add_read_only_option(rs.option.stereo_baseline, d["stereo_baseline_mm"])
        e = rs.extrinsics()
        x = meta["extrinsics_depth_to_color"]
        e.rotation, e.translation = x["rotation_column_major"], x["translation_m"]
        dp.register_extrinsics_to(cp, e)
        self.dev.create_matcher(rs.matchers.dlr_c)
        self.sync = rs.syncer()
        for s, p in ((ds, dp), (cs, cp)):
            s.open(p)
            s.start(self.sync)
        for n in range(1, 10):  # the matcher emits pairs once both streams have been seen
            for s, p, a, bpp in ((ds, dp, self.depth_np, 2), (cs, cp, self.color_np, 3)):
                f = rs.software_video_frame()
                f.pixels, f.bpp, f.stride = a, bpp, a.shape[1] * bpp
                f.timestamp, f.domain, f.frame_number = n * 33.3, rs.timestamp_domain.hardware_clock, n
                f.profile = p.as_video_stream_profile()
                s.on_video_frame(f)
            fs = self.sync.wait_for_frames(5000)
            if fs.size() == 2:
                break
        self.frameset = fs
        self.depth = fs.get_depth_frame()
        self.color = fs.get_color_frame()
        assert np.array_equal(np.asanyarray(self.depth.get_data()), self.depth_np), "depth frame differs from its file"
        assert np.array_equal(np.asanyarray(self.color.get_data()), self.color_np), "colour frame differs from its file"


def rows(inp):
    """name -> (make(): state, step(state): output frame(s) with their data pointers taken)."""
    dec = rs.decimation_filter().process(inp.depth)
    disp = rs.disparity_transform(True).process(dec)

    def block(make_block, frame):
        def step(b):
            out = b.process(frame)
            out.get_data()
            return out
        return (make_block, step)

    def chain_make():
        return [rs.decimation_filter(), rs.disparity_transform(True), rs.spatial_filter(), rs.temporal_filter(),
                rs.disparity_transform(False), rs.hole_filling_filter()]

    def chain_step(blocks):
        f = inp.depth
        for b in blocks:
            f = b.process(f)
        f.get_data()
        return f

    def pc_make(mapped):
        def make():
            pc = rs.pointcloud()
            if mapped:
                pc.map_to(inp.color)
            return pc
        return make

    def pc_step(pc):
        p = pc.calculate(inp.depth)
        p.get_vertices(), p.get_texture_coordinates()
        return p

    def align_step(stream):
        def step(a):
            out = a.process(inp.frameset)
            f = out.get_depth_frame() if stream == rs.stream.color else out.get_color_frame()
            f.get_data()
            return f
        return step

    r = {
        "decimation(2)": block(rs.decimation_filter, inp.depth),
        "threshold": block(rs.threshold_filter, inp.depth),
        "depth2disparity (dec2)": block(lambda: rs.disparity_transform(True), dec),
        "spatial disparity (dec2)": block(rs.spatial_filter, disp),
        "spatial depth full-res": block(rs.spatial_filter, inp.depth),
        "temporal disparity (dec2)": block(rs.temporal_filter, disp),
        "disparity2depth (dec2)": block(lambda: rs.disparity_transform(False), disp),
        "hole_filling(1) (dec2)": block(rs.hole_filling_filter, dec),
        "colorizer": block(rs.colorizer, inp.depth),
        "pointcloud": (pc_make(False), pc_step),
        "pointcloud mapped to color": (pc_make(True), pc_step),
        "align depth to color": (lambda: rs.align(rs.stream.color), align_step(rs.stream.color)),
        "align color to depth": (lambda: rs.align(rs.stream.depth), align_step(rs.stream.depth)),
        "standard chain": (chain_make, chain_step),
    }
    return r


def time_row(make, step, warmup, repeats):
    state = make()
    for _ in range(warmup):
        step(state)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step(state)
        ts.append((time.perf_counter() - t0) * 1e3)
    ts = np.array(ts)
    return {"median_ms": float(np.median(ts)), "p10_ms": float(np.percentile(ts, 10)),
            "p90_ms": float(np.percentile(ts, 90)), "min_ms": float(ts.min()), "samples": len(ts)}


def as_arrays(out):
    """librealsense output -> the arrays robomlx's row returns, in its dtypes."""
    if isinstance(out, rs.points):
        v = np.asanyarray(out.get_vertices()).view(np.float32)
        t = np.asanyarray(out.get_texture_coordinates()).view(np.float32)
        return [v, t]
    a = np.asanyarray(out.get_data())
    if out.get_profile().format() == rs.format.disparity32:
        a = a.view(np.float32)
    return [a]


def check(name, ours, ref_specs, folder):
    results = []
    for i, (got, spec) in enumerate(zip(ours, ref_specs)):
        want = np.fromfile(os.path.join(folder, spec["file"]), dtype=spec["dtype"]).reshape(spec["shape"])
        if name == "pointcloud" and i == 1:
            continue  # without map_to neither side defines texture coordinates (robomlx writes zeros)
        got = got.reshape(want.shape)
        if want.dtype != np.float32:
            bad = int(np.count_nonzero(got.astype(np.int64) != want.astype(np.int64)))
            results.append({"output": i, "rule": "exact", "values": int(want.size), "mismatches": bad,
                            "ok": bad == 0})
        else:
            rtol, atol = (1e-6, 0.0) if name.startswith(("depth2disparity", "spatial disparity", "temporal")) else (0.0, 1e-5)
            err = np.abs(got.astype(np.float64) - want.astype(np.float64))
            tol = atol + rtol * np.abs(want.astype(np.float64))
            bad = int(np.count_nonzero(~(err <= tol)))
            results.append({"output": i, "rule": f"atol {atol} rtol {rtol}", "values": int(want.size),
                            "mismatches": bad, "max_err": float(err.max()), "ok": bad == 0})
    return results


def version():
    try:
        from importlib.metadata import version as v
        return v("pyrealsense2")
    except Exception:  # noqa: BLE001 - a build without metadata
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", help="folder written by ROBOMLX_BENCH_DEPTH_INPUTS")
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--filter", default="", help="only rows whose name contains this text")
    args = ap.parse_args()
    metas = sorted(f for f in os.listdir(args.inputs) if f.endswith(".json"))
    if not metas:
        sys.exit(f"no <W>x<H>.json in {args.inputs}: run robomlx bench depth with ROBOMLX_BENCH_DEPTH_INPUTS={args.inputs}")
    results = []
    for m in metas:
        size = m[:-5]
        meta = json.load(open(os.path.join(args.inputs, m)))
        inp = Inputs(args.inputs, meta)
        table = rows(inp)
        # Python's share of each sample: a call that does nothing but take the frame's data pointer.
        overhead = time_row(lambda: None, lambda _: inp.depth.get_data(), args.warmup, args.repeats)["median_ms"]
        for name, (make, step) in table.items():
            label = f"{name} {size}"
            if args.filter not in label:
                continue
            r = time_row(make, step, args.warmup, args.repeats)
            state = make()  # the check: a fresh block's third output, as the bench dumped it
            step(state), step(state)
            checks = check(name, as_arrays(step(state)), meta["outputs"].get(name, []), args.inputs)
            if name not in meta["outputs"]:
                checks = [{"ok": False, "why": "robomlx wrote no output for this row"}]
            r.update({"name": label, "impl": "librealsense", "python_call_overhead_ms": overhead,
                      "check": checks, "check_ok": all(c["ok"] for c in checks)})
            results.append(r)
            verdict = "ok" if r["check_ok"] else "MISMATCH " + json.dumps(checks)
            print(f"{label:45s} {r['median_ms']:9.3f} ms  (p10 {r['p10_ms']:.3f}, p90 {r['p90_ms']:.3f})  check {verdict}",
                  flush=True)
    doc = {"peer": "librealsense (pyrealsense2 wheel, statically linked)", "pyrealsense2": version(),
           "machine": platform.machine(), "repeats": args.repeats, "warmup": args.warmup, "results": results}
    if args.json:
        json.dump(doc, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
