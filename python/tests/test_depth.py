# SPDX-License-Identifier: Apache-2.0
# robomlx.depth from Python: the standard chain written block by block as a librealsense user
# would, bit-exact against librealsense 2.56.5's own outputs (shared/golden/realsense), and the
# .bag reader on the shipped recording.
import json

import mlx.core as mx
import numpy as np
import pytest

import robomlx
from robomlx import depth as rd

from conftest import read_pgm16


def frame_of(pixels, meta, baseline_mm):
    intr = rd.Intrinsics()
    for k in ("width", "height", "ppx", "ppy", "fx", "fy"):
        setattr(intr, k, meta["intrinsics"][k])
    intr.model = "brown_conrady"
    return rd.Frame(pixels, "z16", intr, depth_units=meta["depth_units"], baseline_mm=baseline_mm,
                    frame_number=meta["frame_number"])


def test_standard_chain_block_by_block_matches_librealsense(shared):
    case = shared / "golden/realsense/chain_standard_synth848_seq8"
    meta = json.loads((case / "case.json").read_text())
    blocks = [rd.DecimationFilter(filter_magnitude=2), rd.DisparityTransform(True),
              rd.SpatialFilter(filter_smooth_alpha=0.5, filter_smooth_delta=20, filter_magnitude=2, holes_fill=0),
              rd.TemporalFilter(), rd.DisparityTransform(False), rd.HoleFillingFilter()]
    pipe = rd.Pipeline("standard")
    assert len(meta["inputs"]) == len(meta["outputs"]) == 8
    for inp, out in zip(meta["inputs"], meta["outputs"]):
        f = frame_of(read_pgm16(case / inp["file"]), inp, meta["stereo_baseline_mm"])
        g = f
        for b in blocks:
            g = b.process(g)
        want = read_pgm16(case / out["file"])
        np.testing.assert_array_equal(np.asarray(g.data), want)
        assert (g.intrinsics.width, g.intrinsics.height) == (out["width"], out["height"])
        np.testing.assert_array_equal(np.asarray(pipe.process(f).data), want)  # the chain object agrees


def test_blocks_take_options_by_librealsense_name():
    spatial = rd.SpatialFilter(filter_smooth_alpha=0.4)
    assert abs(spatial.get_option("filter_smooth_alpha") - 0.4) < 1e-6
    assert set(spatial.options()) >= {"filter_magnitude", "filter_smooth_alpha", "filter_smooth_delta", "holes_fill"}
    with pytest.raises(ValueError, match=r"\[depth\.spatial\] filter_smooth_alpha must be in \[0\.25, 1\]"):
        rd.SpatialFilter(filter_smooth_alpha=1.5)
    with pytest.raises(ValueError, match="unknown option"):
        rd.DecimationFilter(no_such_option=1)
    z = np.full((48, 64), 1000, np.uint16)  # an array in, an array out
    out = rd.DecimationFilter(filter_magnitude=2).process(z)
    assert isinstance(out, mx.array) and out.shape == (24, 32) and out.dtype == mx.uint16


def test_bag_reader_iterates_the_shipped_recording(shared):
    reader = rd.BagReader(shared / "data/realsense/single_depth_color_640x480.bag")
    frames = list(reader)
    assert len(frames) == len(reader) >= 1
    f = frames[0]
    assert f.format == "z16" and f.data.shape == (480, 640) and f.data.dtype == mx.uint16
    assert f.intrinsics.width == 640 and f.intrinsics.fx > 0 and f.baseline_mm > 0
    assert reader.device_info["Name"].startswith("Intel RealSense")
    color = reader.color_for(f)
    assert color is not None and color.data.shape == (480, 640, 3)
    filtered = rd.Pipeline("standard").process(f)
    assert filtered.data.shape == (240, 320) and np.asarray(filtered.data).max() > 0
    vertices, uv = rd.Pointcloud().calculate(filtered)
    z = np.asarray(vertices)[..., 2]
    d = np.asarray(filtered.data).astype(np.float64) * f.depth_units
    np.testing.assert_allclose(z, d, rtol=1e-6)  # librealsense: z of each vertex is the depth in metres


def test_malformed_bag_is_a_format_error(tmp_path):
    bad = tmp_path / "bad.bag"
    bad.write_bytes(b"#ROSBAG V2.0\n\x10\x00")
    with pytest.raises(robomlx.FormatError, match="bad.bag"):
        rd.BagReader(bad)
