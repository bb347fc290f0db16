#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sparse: a short training run of the point-conv ResNet on synthetic shapes (~30-60 s on a
# 2-core CPU); the loss history goes to $OUT/sparse_train.json. Then the segment sums at quick
# sizes (~2 s): per call, over a SegmentLayout built once, and over long segments (lazy,
# host-checked, kept layout; on a CUDA device the host-checked ones split into pieces); the
# table is printed and written to $OUT/sparse_segment_bench.json.
# Usage: 40-sparse.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"
"$bin" sparse train-demo --steps 200 --batch 8 --points 512 --seed 3 --json "$out/sparse_train.json"
ROBOMLX_BENCH_FILTER=segment_sum "$bin" bench sparse --quick --json "$out/sparse_segment_bench.json"
