#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# splat, training: a short run on the COLMAP donut capture built by 50-splat.sh (half resolution,
# 300 steps: ~1-2 minutes on a 2-core CPU), its metrics table, a PSNR curve as SVG, and a held-out
# view rendered from the trained Gaussians beside the capture's own image.
# Usage: 55-splat-train.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"
cap="$out/splat/donut_capture"
run="$out/splat/train"
rm -rf "$run" "$run.checkpoints"
"$bin" --device cpu splat train --data "$cap" --out "$run" --iterations 300 --eval-every 50 -r 2 \
  --background 0.5,0.5,0.5 --sh-degree 0 --no-progress
column -s, -t "$run/metrics.csv" 2>/dev/null || cat "$run/metrics.csv"
# PSNR against step, as an SVG polyline (600 x 300, 20-40 dB).
awk -F, 'NR > 1 { x = 40 + 540 * $1 / 300; y = 280 - 260 * ($3 - 20) / 20; pts = pts sprintf("%.1f,%.1f ", x, y) }
  END { print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"300\">";
        print "<rect width=\"600\" height=\"300\" fill=\"white\"/>";
        print "<line x1=\"40\" y1=\"280\" x2=\"580\" y2=\"280\" stroke=\"black\"/><line x1=\"40\" y1=\"20\" x2=\"40\" y2=\"280\" stroke=\"black\"/>";
        for (d = 20; d <= 40; d += 5) printf "<text x=\"5\" y=\"%.1f\" font-size=\"11\">%d dB</text>\n", 284 - 260 * (d - 20) / 20, d;
        print "<text x=\"250\" y=\"298\" font-size=\"11\">step (0-300), held-out PSNR</text>";
        print "<polyline fill=\"none\" stroke=\"steelblue\" stroke-width=\"2\" points=\"" pts "\"/></svg>" }' \
  "$run/metrics.csv" > "$out/splat/train_psnr.svg"
"$bin" --device cpu splat render --ply "$run/point_cloud.ply" --cameras "$cap" --view 0 --background 0.5,0.5,0.5 \
  --out "$out/splat/trained_view_000.png"
cp "$cap/images/view_000.png" "$out/splat/capture_view_000.png"
echo "splat training outputs: $run/{point_cloud.ply,metrics.csv}, $out/splat/train_psnr.svg, $out/splat/{trained,capture}_view_000.png"
