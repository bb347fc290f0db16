#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stereo: SGM depth on the Middlebury cones pair (viewable PNGs, PFM, PLY in $OUT/stereo_cones/)
# and `stereo eval` over the four Middlebury v2 scenes, then SGM vs OpenCV SGBM timed at ZED VGA.
# Usage: 30-stereo.sh robomlx OUT SHARED
set -euo pipefail
bin="$1"; out="$2"; shared="$3"
mid="$shared/data/stereo/middlebury-v2"
# Middlebury v2 ships no calibration: focal and baseline are nominal (quarter-size 2003 rig
# ~ 3740/4 px, 160 mm) so the depth PNG and point cloud are illustrative, not metric truth.
"$bin" stereo depth --no-config --left "$mid/cones/imL.png" --right "$mid/cones/imR.png" \
  --max-disparity 64 --focal 935 --baseline-mm 160 \
  --out "$out/stereo_cones" --disparity-out "$out/stereo_cones_disparity_kitti.png"
"$bin" stereo eval --no-config "$mid/tsukuba" "$mid/venus" "$mid/teddy" "$mid/cones" \
  --json "$out/stereo_eval.json" | tee "$out/stereo_eval.txt"
# Speed at ZED VGA against OpenCV SGBM in the same run (ratios in the last column; on this
# project's 2-core VM the fast configuration runs ~3x SGBM, the 8-path defaults ~1.1-1.4x).
ROBOMLX_BENCH_FILTER=672x376 "$bin" bench stereo --repeats 5 --json "$out/stereo_bench.json" | tee "$out/stereo_bench.txt"
