#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Point-cloud job on the shipped 3DGS donut: statistics, a top-view preview coloured from the
# Gaussians' SH DC terms, the Gaussian centres as a plain PLY, and the statistics as JSON.
# Usage: 10-cloud.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"; shared="$3"
"$bin" cloud stats --input "$shared/data/splat/donut/fused.ply" \
  --preview "$out/donut_preview.png" --centres "$out/donut_centres.ply" --json "$out/donut_stats.json"
