# SPDX-License-Identifier: Apache-2.0
"""robomlx.sparse: point-cloud engines (Pointelligence / PointCNN++ layouts).

``mvmr``, ``vvor``, the segment reductions and ``point_conv`` carry custom VJPs: inside
``mx.grad`` / ``mx.value_and_grad`` their gradients are the C++ library's.
"""
from ._robomlx.sparse import (ConvTriplets, build_triplets, indexed_segment_reduce, knn, mvmr, point_conv,
                              radius_search, segment_reduce, voxel_downsample, vvor)


def segment_sum(x, lengths, **kw):
    """``segment_reduce(x, lengths, "sum")``."""
    return segment_reduce(x, lengths, "sum", **kw)


def segment_mean(x, lengths, **kw):
    """``segment_reduce(x, lengths, "mean")``."""
    return segment_reduce(x, lengths, "mean", **kw)


def segment_max(x, lengths, **kw):
    """``segment_reduce(x, lengths, "max")`` (the gradient is split equally among ties)."""
    return segment_reduce(x, lengths, "max", **kw)


def segment_min(x, lengths, **kw):
    """``segment_reduce(x, lengths, "min")`` (the gradient is split equally among ties)."""
    return segment_reduce(x, lengths, "min", **kw)


__all__ = ["ConvTriplets", "build_triplets", "indexed_segment_reduce", "knn", "mvmr", "point_conv", "radius_search",
           "segment_reduce", "segment_sum", "segment_mean", "segment_max", "segment_min", "voxel_downsample", "vvor"]
