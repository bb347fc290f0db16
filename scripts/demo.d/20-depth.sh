#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# depth: the standard RealSense post-processing chain on the real D435 recording.
# Usage: 20-depth.sh path/to/robomlx OUT_DIR SHARED_DIR -> OUT_DIR/depth/
set -euo pipefail
bin="$1"; out="$2"; shared="$3"
bag="$shared/data/realsense/single_depth_color_640x480.bag"
rm -rf "$out/depth"
"$bin" depth process --input "$bag" \
  --chain decimation,depth2disparity,spatial,temporal,disparity2depth,hole_filling \
  --set spatial.filter_smooth_alpha=0.5 --set decimation.filter_magnitude=2 \
  --out "$out/depth"
# The unfiltered frame for comparison (colourised depth + cloud of the raw frame #170).
"$bin" depth process --input "$bag" --chain threshold --set threshold.max_distance=4 --out "$out/depth/raw"
echo "depth outputs:"
ls -l "$out/depth" "$out/depth/raw"
echo "summary: $out/depth/summary.json"
