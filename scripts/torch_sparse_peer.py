#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""PyTorch peer timings for `robomlx bench sparse` (run on a CUDA machine with PyTorch).

Times the PyTorch equivalents of robomlx's sparse ops at the same sizes as
bench/sparse/sparse_bench.cpp, with torch.cuda.synchronize around every iteration:

  mvmr  - gather input rows + one matmul per tap (triplets sorted by tap) + index_add_
  vvor  - gather rows + one (C x n_k) @ (n_k x M) matmul per tap (the weight gradient)
  segment_{sum,mean,max} - torch.segment_reduce(lengths=...) and scatter_reduce_/index_add_
  index_add - index_add_ of 1M x 128 rows

Prints a table and writes JSON (--json) for the lead to set beside `robomlx bench sparse --json`.
Anchors reported for an H100: segment sum 10M/200k 0.23 ms, mean 0.40, max 0.56; index_add
1M x 128 1.0 ms; MVMR 1M triplets 27 taps 1.88 ms (C=M=64), 3.08 ms (128); VVOR 2.5-2.6 ms.
"""
import argparse
import json
import statistics
import time

import torch


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def make_triplets(n, taps, T, gen, dev):
    a = torch.sort(torch.randint(0, taps, (T,), generator=gen, device=dev)).values
    b = torch.randint(0, n, (T,), generator=gen, device=dev)
    o = torch.randint(0, n, (T,), generator=gen, device=dev)
    seg = torch.zeros(taps + 1, dtype=torch.long, device=dev)
    seg[1:] = torch.cumsum(torch.bincount(a, minlength=taps), 0)
    return a, b, o, seg.tolist()


def mvmr_torch(w, x, b_idx, o_idx, seg, n_out):
    # o[i] += x[j] @ w[k] with triplets sorted by tap: one matmul per tap segment.
    xj = x.index_select(0, b_idx)
    y = torch.empty(xj.shape[0], w.shape[2], device=x.device, dtype=x.dtype)
    for k in range(w.shape[0]):
        s, e = seg[k], seg[k + 1]
        if e > s:
            torch.mm(xj[s:e], w[k], out=y[s:e])
    out = torch.zeros(n_out, w.shape[2], device=x.device, dtype=x.dtype)
    return out.index_add_(0, o_idx, y)


def vvor_torch(x, g, b_idx, o_idx, seg, taps):
    # grad_w[k] = sum over the tap's triplets of outer(x[j], g[i]).
    xj = x.index_select(0, b_idx)
    gi = g.index_select(0, o_idx)
    out = torch.zeros(taps, x.shape[1], g.shape[1], device=x.device, dtype=x.dtype)
    for k in range(taps):
        s, e = seg[k], seg[k + 1]
        if e > s:
            torch.mm(xj[s:e].t(), gi[s:e], out=out[k])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (as robomlx bench --quick)")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--tf32", action="store_true", help="allow TF32 matmuls (default: full float32)")
    ap.add_argument("--json", help="write results to this file")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch_sparse_peer.py needs a CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev).manual_seed(9527)
    results = []

    def record(name, fn, **metrics):
        med, best = timed(fn, args.warmup, args.repeats)
        row = {"name": name, "impl": "torch", "median_ms": med, "min_ms": best}
        for key, work in metrics.items():
            row[key] = work / (med * 1e-3)
        results.append(row)

    cases = [("upstream", 1024, 125, 16896, 128, 256)]
    if args.quick:
        cases.append(("small", 4000, 27, 40000, 64, 64))
    else:
        cases += [("large", 100000, 27, 1000000, 64, 64), ("large", 100000, 27, 1000000, 128, 128)]
    for label, n, taps, T, C, M in cases:
        a, b, o, seg = make_triplets(n, taps, T, gen, dev)
        w = torch.randn(taps, C, M, generator=gen, device=dev)
        x = torch.randn(n, C, generator=gen, device=dev)
        g = torch.randn(n, M, generator=gen, device=dev)
        size = f" {label} T={T} K={taps} C={C} M={M}"
        flops = 2.0 * T * C * M
        record("mvmr" + size, lambda: mvmr_torch(w, x, b, o, seg, n), tflops=flops / 1e12)
        record("vvor" + size, lambda: vvor_torch(x, g, b, o, seg, taps), tflops=flops / 1e12)

    T, K = (100_000, 2_000) if args.quick else (10_000_000, 200_000)
    cuts = torch.sort(torch.randint(0, T, (K - 1,), generator=gen, device=dev)).values
    bounds = torch.cat([torch.zeros(1, dtype=torch.long, device=dev), cuts, torch.full((1,), T, device=dev)])
    lengths = bounds[1:] - bounds[:-1]
    values = torch.randn(T, generator=gen, device=dev)
    ids = torch.repeat_interleave(torch.arange(K, device=dev), lengths)
    bytes_moved = 4.0 * T + 8.0 * K
    for op in ("sum", "mean", "max"):
        record(f"segment_{op} T={T} K={K}", lambda: torch.segment_reduce(values, op, lengths=lengths),
               gbps=bytes_moved / 1e9)
        red = {"sum": "sum", "mean": "mean", "max": "amax"}[op]
        record(f"scatter_reduce_{op} T={T} K={K}",
               lambda: torch.zeros(K, device=dev).scatter_reduce_(0, ids, values, red, include_self=False),
               gbps=bytes_moved / 1e9)
    # Long segments (global pooling per cloud): D = 1 in 16 equal segments, and C = 64 channels
    # in 8 segments of equal rows (robomlx's bench has the same cases).
    K16 = 16
    len16 = torch.full((K16,), T // K16, device=dev)
    ids16 = torch.repeat_interleave(torch.arange(K16, device=dev), len16)
    for op in ("sum", "max"):
        red = {"sum": "sum", "max": "amax"}[op]
        record(f"segment_{op} T={T} K={K16} long", lambda: torch.segment_reduce(values, op, lengths=len16),
               gbps=4.0 * T / 1e9)
        record(f"scatter_reduce_{op} T={T} K={K16} long",
               lambda: torch.zeros(K16, device=dev).scatter_reduce_(0, ids16, values, red, include_self=False),
               gbps=4.0 * T / 1e9)
    R8, K8, C8 = (20_000, 4, 64) if args.quick else (800_000, 8, 64)
    feats8 = torch.randn(R8, C8, generator=gen, device=dev)
    len8 = torch.full((K8,), R8 // K8, device=dev)
    ids8 = torch.repeat_interleave(torch.arange(K8, device=dev), len8).unsqueeze(1).expand(-1, C8)
    for op in ("mean", "max"):
        red = {"mean": "mean", "max": "amax"}[op]
        record(f"segment_{op} rows={R8} K={K8} C={C8} long", lambda: torch.segment_reduce(feats8, op, lengths=len8),
               gbps=4.0 * R8 * C8 / 1e9)
        record(f"scatter_reduce_{op} rows={R8} K={K8} C={C8} long",
               lambda: torch.zeros(K8, C8, device=dev).scatter_reduce_(0, ids8, feats8, red, include_self=False),
               gbps=4.0 * R8 * C8 / 1e9)
    rows, width = (20_000, 128) if args.quick else (1_000_000, 128)
    src = torch.randn(rows, width, generator=gen, device=dev)
    dst_idx = torch.randint(0, rows // 10, (rows,), generator=gen, device=dev)
    record(f"index_add {rows}x{width}",
           lambda: torch.zeros(rows // 10, width, device=dev).index_add_(0, dst_idx, src),
           gbps=8.0 * rows * width / 1e9)

    P, nb, Cp = (2_000, 27, 64) if args.quick else (50_000, 27, 64)
    feats = torch.randn(P, Cp, generator=gen, device=dev)
    nbr = torch.randint(0, P, (P * nb,), generator=gen, device=dev)
    nlen = torch.full((P,), nb, device=dev)
    record(f"indexed_max P={P} nbrs=27 C=64",
           lambda: torch.segment_reduce(feats.index_select(0, nbr), "max", lengths=nlen),
           gbps=4.0 * P * nb * (Cp + 1) / 1e9)

    name = torch.cuda.get_device_name()
    print(f"torch {torch.__version__} on {name} (tf32={'on' if args.tf32 else 'off'})")
    print(f"{'case':48s} {'median ms':>10s} {'min ms':>9s}  metrics")
    for r in results:
        extra = "  ".join(f"{k}={r[k]:.3g}" for k in ("tflops", "gbps") if k in r)
        print(f"{r['name']:48s} {r['median_ms']:10.3f} {r['min_ms']:9.3f}  {extra}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": name, "torch": torch.__version__, "tf32": args.tf32, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
