# SPDX-License-Identifier: Apache-2.0
"""robomlx.stereo: ZED calibration (``SN*.conf``), rectification, semi-global matching (census /
AD-census, 4 or 8 paths), depth and point clouds from disparity."""
from ._robomlx.stereo import (CameraIntrinsics, RectifiedGeometry, Rectification, StereoCalibration,
                              compute_rectification, disparity_to_depth, disparity_to_points, load_calibration,
                              parse_calibration, rectify, rgb_to_grey, sgm, split_side_by_side)

__all__ = ["CameraIntrinsics", "RectifiedGeometry", "Rectification", "StereoCalibration", "compute_rectification",
           "disparity_to_depth", "disparity_to_points", "load_calibration", "parse_calibration", "rectify", "rgb_to_grey", "sgm",
           "split_side_by_side"]
