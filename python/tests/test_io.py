# SPDX-License-Identifier: Apache-2.0
# robomlx.io round trips (PNG 8/16-bit, NPY, PLY binary and ASCII) checked with NumPy, and the
# one-line errors of malformed files.
import numpy as np
import pytest

import robomlx
from robomlx import io


def test_png_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    for img in [rng.integers(0, 256, (5, 7, 3), dtype=np.uint8), rng.integers(0, 65536, (4, 6), dtype=np.uint16)]:
        io.write_png(str(tmp_path / "a.png"), img)
        back = np.asarray(io.read_png(str(tmp_path / "a.png")))
        np.testing.assert_array_equal(back.reshape(img.shape), img)


def test_npy_round_trip_reads_numpys_files(tmp_path):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.save(tmp_path / "n.npy", a)
    np.testing.assert_array_equal(np.asarray(io.read_npy(str(tmp_path / "n.npy"))), a)
    io.write_npy(str(tmp_path / "r.npy"), a * 2)
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), a * 2)


@pytest.mark.parametrize("ascii", [False, True])
def test_ply_round_trip(tmp_path, ascii):
    cols = {"x": np.float32([0, 1.5]), "y": np.float32([2, 3]), "z": np.float32([-1, 4]),
            "red": np.uint8([255, 7]), "id": np.int32([-5, 9])}
    io.write_ply(str(tmp_path / "p.ply"), cols, ascii=ascii)
    back = io.read_ply(str(tmp_path / "p.ply"))
    assert list(back) == list(cols)
    for k, v in cols.items():
        assert np.asarray(back[k]).dtype == v.dtype
        np.testing.assert_array_equal(np.asarray(back[k]), v)


def test_malformed_files_raise_format_error(tmp_path):
    (tmp_path / "bad.ply").write_text("ply\nformat ascii 1.0\nelement vertex 1\nproperty float128 x\nend_header\n1\n")
    with pytest.raises(robomlx.FormatError, match=r"bad\.ply: header line 4: unknown property type 'float128'"):
        io.read_ply(str(tmp_path / "bad.ply"))
    (tmp_path / "t.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="t.png"):
        io.read_png(str(tmp_path / "t.png"))
