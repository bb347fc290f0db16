# SPDX-License-Identifier: Apache-2.0
# Shared data (../shared beside the checkout, or ROBOMLX_SHARED_DIR) and a host PGM reader that
# does not go through robomlx, so golden comparisons stay independent of the library's own I/O.
import os
from pathlib import Path

import numpy as np
import pytest


def shared_dir() -> Path:
    env = os.environ.get("ROBOMLX_SHARED_DIR")
    root = Path(__file__).resolve().parents[2]
    for c in ([Path(env)] if env else []) + [root / ".." / "shared", Path("/work/shared")]:
        if (c / "golden").is_dir():
            return c.resolve()
    pytest.fail("shared data folder not found (set ROBOMLX_SHARED_DIR)")


def read_pgm16(path) -> np.ndarray:
    """P5, maxval 65535, big-endian samples -> [H, W] uint16."""
    data = Path(path).read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and int(fields[3]) == 65535, path
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1:pos + 1 + 2 * w * h], dtype=">u2").reshape(h, w).astype(np.uint16)


@pytest.fixture(scope="session")
def shared():
    return shared_dir()
