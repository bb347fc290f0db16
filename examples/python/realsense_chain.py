#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The RealSense post-processing chain on a recorded .bag, written as with pyrealsense2:
decimation -> depth to disparity -> spatial -> temporal -> disparity to depth -> hole filling,
then the colorizer and a point cloud. Writes depth PNG16, colourised PNG and a PLY.

    PYTHONPATH=build/python .venv/bin/python examples/python/realsense_chain.py \
        ../shared/data/realsense/single_depth_color_640x480.bag out/py-realsense
"""
import sys
import time
from pathlib import Path

import mlx.core as mx
import numpy as np

import robomlx
from robomlx import depth as rd


def main(bag, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reader = rd.BagReader(bag)
    print(f"{bag}: {len(reader)} depth frames, {reader.device_info.get('Name', '?')}, {reader.depth_intrinsics}")
    chain = [rd.DecimationFilter(filter_magnitude=2), rd.DisparityTransform(True),
             rd.SpatialFilter(filter_smooth_alpha=0.5, filter_smooth_delta=20), rd.TemporalFilter(),
             rd.DisparityTransform(False), rd.HoleFillingFilter(holes_fill=1)]
    colorizer, pointcloud = rd.Colorizer(), rd.Pointcloud()
    for i, frame in enumerate(reader):
        t0 = time.perf_counter()
        f = frame
        for block in chain:
            f = block.process(f)  # lazy, as MLX ops: nothing runs until eval
        colored = colorizer.process(f)
        vertices, _ = pointcloud.calculate(f)
        mx.eval(f.data, colored.data, vertices)
        ms = (time.perf_counter() - t0) * 1e3
        depth = np.asarray(f.data)
        print(f"frame {i}: {frame.width}x{frame.height} -> {f.width}x{f.height}, {ms:.1f} ms, "
              f"valid {100 * (depth > 0).mean():.1f} %, median {np.median(depth[depth > 0]) * f.depth_units:.3f} m")
        robomlx.io.write_png(str(out / f"depth_{i}.png"), f.data)
        robomlx.io.write_png(str(out / f"depth_color_{i}.png"), colored.data)
        xyz = np.asarray(vertices).reshape(-1, 3)
        xyz = xyz[xyz[:, 2] > 0]
        robomlx.io.write_ply(str(out / f"cloud_{i}.ply"), {"x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2]})
    print(f"wrote {out}/depth_*.png, depth_color_*.png, cloud_*.ply")


if __name__ == "__main__":
    here = Path(__file__).resolve().parents[2]
    main(sys.argv[1] if len(sys.argv) > 1 else str(here / "../shared/data/realsense/single_depth_color_640x480.bag"),
         sys.argv[2] if len(sys.argv) > 2 else "out/py-realsense")
