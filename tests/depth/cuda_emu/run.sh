#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Host emulation of the depth CUDA kernels (no GPU needed): every CUDA thread is a std::thread,
# __syncwarp/__syncthreads/__shfl_up_sync are barriers (emu.h). The current kernel sources are
# checked bit for bit against the previous kernels (git revision OLD_REV, default
# 19ee510) or a plain-loop reference (decimation), on tiny, odd and multi-band sizes.
# Not a build target: run by hand after editing a *_cuda.cpp (a minute or two on 2 cores).
# Usage: tests/depth/cuda_emu/run.sh [OLD_REV]   (EMU_ONLY="spatial hole" runs a subset)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 "$here/gen_kernels.py" "$root" "$out" "${1:-19ee510}"
cp "$root"/tests/cuda_emu/emu.h "$here"/emu_*.cpp "$out"/
status=0
for t in ${EMU_ONLY:-spatial hole dec pc}; do
  g++ -std=c++20 -O1 -ffp-contract=off -w -I"$out" -o "$out/emu_$t" "$out/emu_$t.cpp" -lpthread
  printf '%-8s ' "$t"
  "$out/emu_$t" | tail -1 || status=1
done
exit $status
