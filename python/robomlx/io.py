# SPDX-License-Identifier: Apache-2.0
"""robomlx.io: PLY, PNG and NPY files through robomlx's readers (size caps checked from the header,
one-line errors naming the file: ``robomlx.FormatError``, an ``OSError`` and a ``ValueError``)."""
from ._robomlx.io import read_npy, read_ply, read_png, write_npy, write_ply, write_png

__all__ = ["read_npy", "read_ply", "read_png", "write_npy", "write_ply", "write_png"]
