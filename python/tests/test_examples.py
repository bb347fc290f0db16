# SPDX-License-Identifier: Apache-2.0
# The examples in examples/python run (on the shipped data, a few training steps).
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("script,args,expect", [
    ("realsense_chain.py", ["data/realsense/single_depth_color_640x480.bag"], "wrote"),
    ("stereo_middlebury.py", ["data/stereo/middlebury-v2/cones"], "bad-2.0"),
    ("point_conv_train.py", ["20"], "step   20"),
])
def test_example_runs(shared, tmp_path, script, args, expect):
    argv = [str(shared / args[0]), str(tmp_path)] if args[0].startswith("data/") else args
    r = subprocess.run([sys.executable, str(REPO / "examples/python" / script), *argv], capture_output=True,
                       text=True, timeout=300, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert expect in r.stdout
