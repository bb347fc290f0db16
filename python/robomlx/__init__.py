# SPDX-License-Identifier: Apache-2.0
"""robomlx: robotics perception on MLX — the C++ library from Python.

Functions take and return ``mlx.core.array``; NumPy arrays and anything with the buffer
protocol or DLPack are accepted too (wrapped without a copy where MLX's allocator allows:
``robomlx.info()["zero_copy_numpy"]``). Every op takes ``device=``: None (MLX's default
device), "cpu", "gpu", "auto" (robomlx's per-workload pick), an ``mx.Device`` or an ``mx.Stream``.
Results are lazy MLX arrays, as MLX's own ops; ``mx.grad`` differentiates through the custom-VJP
ops (``sparse.mvmr``, ``sparse.vvor``, segment reductions, ``sparse.point_conv``, the splat rasterizer).
"""
# mlx.core first: it loads libmlx and registers mlx.core.array, Device and Stream, which the
# bindings share (same nanobind domain, same libmlx).
import mlx.core as _mx  # noqa: F401

from . import _robomlx
from ._robomlx import FormatError, UnsupportedBackendError, UnsupportedFeatureError
from . import depth, io, sparse, splat, stereo

__version__ = _robomlx.core.info()["robomlx"]


def info() -> dict:
    """Versions, compiled backends, usable devices, the device ``auto`` picks per workload, the CPU
    BLAS and whether NumPy inputs are shared without a copy (what ``robomlx info`` prints)."""
    return _robomlx.core.info()


__all__ = ["info", "depth", "io", "sparse", "splat", "stereo", "FormatError", "UnsupportedBackendError",
           "UnsupportedFeatureError", "__version__"]
