#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vision: CLIP and SAM loaded from Hugging Face checkpoint folders (../shared/golden/vision: tiny
# configurations with the real layouts and seeded random weights) and checked against transformers'
# own outputs for the same inputs, every intermediate the golden set records. Random weights give
# no meaningful masks, so this step shows parity, not segmentation (`robomlx vision segment` takes
# real checkpoints, e.g. openai/clip-vit-base-patch32 and facebook/sam-vit-base).
# Usage: 65-vision.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"; shared="$3"
mkdir -p "$out/vision"
"$bin" --device cpu vision golden "$shared/golden/vision" | tee "$out/vision/golden.txt"
echo "vision outputs: $out/vision/golden.txt"
