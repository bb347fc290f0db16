#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# splat: the shipped 3DGS donut through the rasterizer (~25 s on a 2-core CPU).
# 1. The donut capture rebuilt in $OUT/splat/donut_capture/: its 30 images rendered again
#    (deterministic, by scripts/make-donut-capture --images-only) beside the COLMAP sparse model
#    committed in tests/data/splat/donut_colmap/ (COLMAP 3.8 ran on those images): a capture folder
#    as graphdeco's trainer takes it (sparse/0/ + images/), with the true cameras in transforms.json.
# 2. Four views from low down (10 degrees), 320x240, in $OUT/splat/orbit/.
# Usage: 50-splat.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"; shared="$3"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cap="$out/splat/donut_capture"
rm -rf "$out/splat"
ROBOMLX_BIN="$bin" ROBOMLX_SHARED_DIR="$shared" "$root/scripts/make-donut-capture" "$cap" --images-only
mkdir -p "$cap/sparse"
cp -r "$root/tests/data/splat/donut_colmap/sparse/0" "$cap/sparse/0"
"$bin" splat render --ply "$shared/data/splat/donut/fused.ply" --orbit 4 --radius 0.35 --elevation 10 \
  --width 320 --height 240 --fov 60 --background 1,1,1 --all --out "$out/splat/orbit"
echo "splat outputs: $cap/{images,sparse/0,transforms.json}, $out/splat/orbit/view_00{0..3}.png"
