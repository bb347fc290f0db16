#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sparse: a short training run of the point-conv ResNet on synthetic shapes (~30-60 s on a
# 2-core CPU); the loss history goes to $OUT/sparse_train.json.
# Usage: 40-sparse.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"
"$bin" sparse train-demo --steps 200 --batch 8 --points 512 --seed 3 --json "$out/sparse_train.json"
