#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CLI's contract: exit codes and one-line errors. Usage: cli_contract.sh path/to/robomlx
# (the full table of command policies is tests/cli/cli_policy_test.cpp)
set -u
bin="$1"
fail=0
expect() {  # expect <code> <stderr substring> -- args...
  local code="$1" text="$2"; shift 3
  local err; err=$("$bin" "$@" 2>&1 >/dev/null); local rc=$?
  local lines; lines=$(printf '%s\n' "$err" | wc -l)
  if [[ $rc -ne $code || "$err" != *"$text"* || $lines -ne 1 || "$err" != "robomlx: error: "* ]]; then
    echo "FAIL: robomlx $* -> exit $rc (want $code), stderr: $err"; fail=1
  else
    echo "ok: robomlx $* -> exit $rc"
  fi
}
"$bin" --version | grep -q "robomlx .* (MLX 0.32" || { echo "FAIL: --version"; fail=1; }
"$bin" info | grep -q "auto picks for depth filters: " || { echo "FAIL: info"; fail=1; }
ROBOMLX_DEVICE=auto ROBOMLX_LOG_IMPL=1 "$bin" info 2>&1 >/dev/null | grep -q "^\[robomlx.device\] auto -> " || { echo "FAIL: ROBOMLX_LOG_IMPL=1 logs auto's choice"; fail=1; }
expect 2 "device" -- --device tpu info
ROBOMLX_DEVICE=bogus "$bin" info >/dev/null 2>&1; [[ $? -eq 2 ]] || { echo "FAIL: ROBOMLX_DEVICE=bogus should exit 2"; fail=1; }
expect 2 "unknown suite" -- bench nope
expect 2 "--repeats" -- bench core --repeats 0
# bench stereo's peer hooks (scripts/gpu-peers-stereo): sizes from the environment, the matched pair
# written as PGMs for an outside peer, then read back from there.
ROBOMLX_BENCH_STEREO_SIZES=160x96 expect 2 "entries must be WxH:D" -- bench stereo
pairs=$(mktemp -d)
ROBOMLX_BENCH_STEREO_SIZES=96x64:16 ROBOMLX_BENCH_STEREO_PAIRS="$pairs" ROBOMLX_BENCH_FILTER="census 4-path" \
  ROBOMLX_BENCH_SGM_PORTABLE=none "$bin" --device cpu bench stereo --repeats 1 --warmup 0 2>&1 |
  grep -q "^sgm census 4-path 96x64 D=16 " || { echo "FAIL: bench stereo ROBOMLX_BENCH_STEREO_SIZES"; fail=1; }
[[ "$(head -c 12 "$pairs/96x64_left.pgm" 2>/dev/null)" == $'P5\n96 64\n255' && -f "$pairs/96x64_right.pgm" ]] ||
  { echo "FAIL: bench stereo ROBOMLX_BENCH_STEREO_PAIRS writes the pair"; fail=1; }
printf 'P5\n8 8\n255\n%064d' 0 > "$pairs/96x64_right.pgm"
ROBOMLX_BENCH_STEREO_SIZES=96x64:16 ROBOMLX_BENCH_STEREO_PAIRS="$pairs" expect 3 "must be an 8-bit PGM of 96x64" -- --device cpu bench stereo
rm -rf "$pairs"
# bench depth's peer hook (scripts/depth-cpu-peers): the frames it times and one output per row.
dump=$(mktemp -d)
ROBOMLX_BENCH_DEPTH_INPUTS="$dump" ROBOMLX_BENCH_FILTER=threshold "$bin" --device cpu bench depth --quick --repeats 1 \
  --warmup 0 >/dev/null 2>&1
[[ "$(head -c 16 "$dump/424x240_depth.pgm" 2>/dev/null)" == $'P5\n424 240\n65535' && -f "$dump/424x240/threshold.0.raw" ]] &&
  grep -q '"align depth to color": \[{"file": "424x240/align_depth_to_color.0.raw", "dtype": "uint16", "shape": \[240, 424\]}\]' \
    "$dump/424x240.json" || { echo "FAIL: bench depth ROBOMLX_BENCH_DEPTH_INPUTS writes the inputs and outputs"; fail=1; }
rm -rf "$dump"
# bench: '|' alternatives in ROBOMLX_BENCH_FILTER keep exactly the rows naming one of them; a
# spent --budget skips the rest, says so, and still writes the JSON of the rows so far.
rows=$(ROBOMLX_BENCH_FILTER="cartpole env step + policy|quadcopter env step + policy" "$bin" --device cpu bench sim --quick \
  --repeats 1 --warmup 0 2>&1 | grep -c "^[a-z_]* env step ")
[[ "$rows" == 2 ]] || { echo "FAIL: bench sim with a two-part ROBOMLX_BENCH_FILTER ran $rows rows (want 2)"; fail=1; }
bjson=$(mktemp -d)
ROBOMLX_BENCH_FILTER="env step N" "$bin" --device cpu bench sim --quick --repeats 1 --warmup 0 --budget 0.000001 \
  --json "$bjson/b.json" 2>&1 | grep -q "^note: the --budget of" && grep -q '"results"' "$bjson/b.json" ||
  { echo "FAIL: bench --budget skips the cases past it and writes the JSON"; fail=1; }
rm -rf "$bjson"
expect 2 "--max-seconds" -- bench core --max-seconds -1
expect 2 "--device: bogus not in" -- --device bogus info
expect 2 "no-such-flag" -- info --no-such-flag
# launch: its own errors are one line; a rank's failure is the last line, after the ranks' output.
expect 2 "[launch] give the command after --" -- launch --ranks 2
expect 2 "--backend: gloo not in" -- launch --ranks 2 --backend gloo -- true
"$bin" launch --ranks 2 -- true || { echo "FAIL: launch --ranks 2 -- true"; fail=1; }
"$bin" launch --ranks 2 -- sh -c 'exit $((MLX_RANK * 3))' 2>&1 | tail -1 |
  grep -q "^robomlx: error: \[launch\] rank 1 exited with code 3 (of 2 ranks)$" || { echo "FAIL: launch reports a failed rank"; fail=1; }
"$bin" launch --ranks 2 -- sh -c 'echo "r$MLX_RANK $ROBOMLX_DIST_BACKEND"' | sort | tr '\n' ' ' |
  grep -q "^\[rank 0\] r0 ring \[rank 1\] r1 ring $" || { echo "FAIL: launch prefixes each rank's output"; fail=1; }
expect 2 "--model: no model named nope" -- generate --model nope --prompt hi
expect 2 "--max-tokens" -- generate --model smollm2-135m-instruct --prompt hi --max-tokens 0
expect 2 "temperature" -- generate --model smollm2-135m-instruct --prompt hi --temperature -1
# The served model from the venv (scripts/setup installs it): greedy, so the answer is fixed.
"$bin" generate --model smollm2-135m-instruct --prompt "What is the capital of France?" --chat --max-tokens 12 2>/dev/null |
  grep -q "Paris" || { echo "FAIL: generate answers Paris"; fail=1; }
"$bin" models | grep -q "^smollm2-135m-instruct  text  llama" || { echo "FAIL: models lists smollm2"; fail=1; }
# sim: tasks by name or Isaac Lab id; bad tasks, env counts and backends are one tagged line.
"$bin" sim list | grep -q "^cartpole .*Isaac-Cartpole-Direct-v0" || { echo "FAIL: sim list shows cartpole"; fail=1; }
expect 2 "[sim.task] unknown task 'nope'" -- sim run --task nope
expect 2 "[sim.env] num_envs must be in [1, 1048576], got 0" -- sim run --task cartpole --num-envs 0
expect 2 "[sim.env] backend must be mlx or mujoco" -- sim run --task cartpole --sim-backend bullet
expect 2 "[sim.env] num_envs must be in [1, 1048576], got 99999999" -- sim run --task cartpole --num-envs 99999999
# A corrupted checkpoint and MJCF: format errors (exit 3) naming the file. A build without
# mujoco-core says so instead (exit 4).
simtmp="${TMPDIR:-/tmp}/robomlx-sim-contract.$$"
mkdir -p "$simtmp/ckpt"
printf 'junk' >"$simtmp/ckpt/policy.safetensors"; printf '{}' >"$simtmp/ckpt/policy.json"
expect 3 "[sim.checkpoint] $simtmp/ckpt/policy.json" -- sim train --task cartpole --out "$simtmp/out" --resume "$simtmp/ckpt"
[[ ! -e "$simtmp/out" ]] || { echo "FAIL: a failed sim train leaves no --out folder"; fail=1; }
printf '<mujoco><worldbody>' >"$simtmp/bad.xml"
if "$bin" sim run --task cartpole --sim-backend mujoco --num-envs 1 --steps 1 >/dev/null 2>&1; then
  expect 3 "[sim.mjcf] $simtmp/bad.xml" -- sim run --task cartpole --sim-backend mujoco --mjcf "$simtmp/bad.xml"
else
  expect 4 "[sim.mujoco] this build has no MuJoCo backend" -- sim run --task cartpole --sim-backend mujoco
fi
# sim play draws a GIF (or a PNG sheet); other extensions are usage errors.
"$bin" sim play --task cartpole --steps 5 --out "$simtmp/run.gif" >/dev/null && [[ "$(head -c 6 "$simtmp/run.gif")" == "GIF89a" ]] ||
  { echo "FAIL: sim play writes a GIF"; fail=1; }
expect 2 "[sim.play] --out must end in .gif or .png" -- sim play --task cartpole --out "$simtmp/run.jpg"
# sim drift: a changed baseline count is drift (exit 1, one line).
src_dir="$(cd "$(dirname "$0")" && pwd)"
awk '!d && /"terminated": [0-9]+/ { sub(/"terminated": [0-9]+/, "\"terminated\": 999"); d = 1 } { print }' \
  "$src_dir/data/sim/drift-baseline.json" >"$simtmp/drift.json"
expect 1 "[sim.drift] " -- --device cpu sim drift --baseline "$simtmp/drift.json"
rm -rf "$simtmp"
"$bin" --device cpu sim run --task Isaac-Cartpole-Direct-v0 --num-envs 8 --steps 10 | grep -q "8 envs x 10 steps" ||
  { echo "FAIL: sim run"; fail=1; }
# port-scan (no MLX work): exit 0 with findings, 1 on error or on findings in a --fail-on bucket.
ps_data="$(dirname "$0")/data/port_scan"
expect 1 "no such file or directory" -- port-scan /nonexistent/port-scan-path
expect 2 "--format" -- port-scan "$ps_data" --format xml
expect 2 "--fail-on: 'gpu' is no bucket" -- port-scan "$ps_data" --fail-on gpu
expect 1 "findings in --fail-on buckets (compute" -- port-scan "$ps_data/compute_torch.py" --fail-on compute --quiet
"$bin" port-scan "$ps_data/kernels.cu" --fail-on sim >/dev/null 2>&1 || { echo "FAIL: port-scan --fail-on sim on CUDA code"; fail=1; }
"$bin" port-scan "$ps_data/kernels.cu" | grep -q "kernel.sparse-matmul: CUDA kernel mvmr_kernel" ||
  { echo "FAIL: port-scan classifies mvmr_kernel"; fail=1; }
# Gemma 3 270M (a base model: a completion-form question); scripts/setup assembles its GGUF.
if "$bin" models | grep -q "^gemma3-270m  text  gemma3"; then
  "$bin" generate --model gemma3-270m --prompt "Question: What is the capital of France?
Answer:" --max-tokens 4 2>/dev/null | grep -q "Paris" || { echo "FAIL: gemma3-270m answers Paris"; fail=1; }
else
  echo "skip: gemma3-270m is not installed (scripts/setup installs it)"
fi
if ! "$bin" info | grep -q "usable GPU" || "$bin" info | grep -q "0 usable GPUs"; then
  expect 4 "no usable GPU" -- --device gpu info
fi
exit $fail
