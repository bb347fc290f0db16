#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sim: PPO on Isaac-Cartpole-Direct-v0 (the mlx backend, 256 envs, 200k env steps: well under a
# minute on a 2-core CPU), its reward curve, and the trained policy played back as an animated GIF.
# Usage: 60-sim.sh path/to/robomlx OUT_DIR SHARED_DIR
set -euo pipefail
bin="$1"; out="$2"
run="$out/sim/cartpole"
"$bin" --device cpu sim train --task cartpole --num-envs 256 --steps 200000 --out "$run" --no-progress
"$bin" --device cpu sim play --task cartpole --checkpoint "$run" --steps 300 --out "$out/sim/cartpole_play.gif"
echo "sim outputs: $run/{policy.safetensors,metrics.json,reward_curve.png}, $out/sim/cartpole_play.gif"
