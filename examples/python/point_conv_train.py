#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Training steps of a two-layer point-convolution network with mlx.optimizers: robomlx builds
the convolution triplets (radius search + tap binning) and runs the convolution on MVMR, whose
custom VJP (a VVOR for the weights, an MVMR for the features) is what mx.value_and_grad uses.
Task: predict a smooth function of each point's neighbourhood (the local mean height).

    PYTHONPATH=build/python .venv/bin/python examples/python/point_conv_train.py [steps]
"""
import sys
import time

import mlx.core as mx
import mlx.optimizers as optim
import numpy as np

from robomlx import sparse

rng = np.random.default_rng(0)
N, K, C = 2048, 27, 16  # points, taps (3^3), hidden channels
points = rng.uniform(0, 1, (N, 3)).astype(np.float32)
triplets = sparse.build_triplets(points, points, 0.1, kernel_size=3)
# Target: mean z of the neighbours within 0.1, a function the first layer can express.
idx, _, offsets = sparse.radius_search(points, points, 0.1)
lengths = np.diff(np.asarray(offsets)).astype(np.int32)
target = sparse.indexed_segment_reduce(mx.array(points[:, 2:3]), idx, lengths, "mean")

params = {"w1": mx.array(rng.normal(0, 0.2, (K, 1, 3, C)).astype(np.float32)), "b1": mx.zeros((C,)),
          "w2": mx.array(rng.normal(0, 0.2, (K, 1, C, 1)).astype(np.float32)), "b2": mx.zeros((1,))}
x = mx.array(points)


def loss_fn(p):
    h = mx.maximum(sparse.point_conv(x, p["w1"], p["b1"], triplets), 0)
    y = sparse.point_conv(h, p["w2"], p["b2"], triplets) / 20
    return mx.mean((y - target) ** 2)


step = mx.value_and_grad(loss_fn)
opt = optim.Adam(learning_rate=3e-3)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
print(f"{N} points, {len(triplets)} triplets, {K} taps")
t0 = time.perf_counter()
for i in range(steps + 1):
    loss, grads = step(params)
    opt.update(params, grads)
    mx.eval(params, opt.state, loss)
    if i % max(1, steps // 10) == 0:
        print(f"step {i:4d}  loss {loss.item():.6f}")
print(f"{(time.perf_counter() - t0) / (steps + 1) * 1e3:.1f} ms per step")
