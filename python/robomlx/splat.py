# SPDX-License-Identifier: Apache-2.0
"""robomlx.splat: 3D Gaussian splatting scenes and the differentiable rasterizer."""
from ._robomlx import splat as _splat

globals().update({k: getattr(_splat, k) for k in dir(_splat) if not k.startswith("__")})
