#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SGM on a Middlebury v2 pair, scored against its ground truth (bad-2.0 on non-occluded
pixels), with the default and the fast settings. Writes the disparity as a KITTI-style PNG16.

    PYTHONPATH=build/python .venv/bin/python examples/python/stereo_middlebury.py \
        ../shared/data/stereo/middlebury-v2/cones out/py-stereo
"""
import sys
import time
from pathlib import Path

import mlx.core as mx
import numpy as np

from robomlx import io, stereo


def main(scene, out):
    scene, out = Path(scene), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scale, ndisp = map(int, (scene / "info.txt").read_text().split())
    left = stereo.rgb_to_grey(io.read_png(str(scene / "imL.png")))
    right = stereo.rgb_to_grey(io.read_png(str(scene / "imR.png")))
    gt = np.asarray(io.read_png(str(scene / "groundtruth.png")))[..., 0] / scale
    nonocc = np.asarray(io.read_png(str(scene / "nonocc.png")))[..., 0] == 255
    fast = dict(paths=4, cost="ad_census", pyramid_factor=2, refinement_radius=1)
    for name, opts in [("defaults", {}), ("fast", fast)]:
        stereo.sgm(left, right, max_disparity=ndisp + 1, **opts)  # warm-up
        t0 = time.perf_counter()
        disp, conf = stereo.sgm(left, right, max_disparity=ndisp + 1, **opts)
        mx.eval(disp, conf)
        ms = (time.perf_counter() - t0) * 1e3
        d = np.asarray(disp)
        valid = nonocc & (d >= 0)
        bad = (np.abs(d - gt)[valid] > 2).mean() * 100
        print(f"{scene.name} {name}: {d.shape[1]}x{d.shape[0]} D={ndisp + 1}, {ms:.0f} ms, "
              f"density {100 * valid.sum() / nonocc.sum():.1f} %, bad-2.0 (valid pixels) {bad:.2f} %")
        png = np.where(d >= 0, np.round(d * 256), 0).astype(np.uint16)  # KITTI: d * 256, 0 = invalid
        io.write_png(str(out / f"disparity_{name}.png"), png)
    print(f"wrote {out}/disparity_*.png")


if __name__ == "__main__":
    here = Path(__file__).resolve().parents[2]
    main(sys.argv[1] if len(sys.argv) > 1 else str(here / "../shared/data/stereo/middlebury-v2/cones"),
         sys.argv[2] if len(sys.argv) > 2 else "out/py-stereo")
