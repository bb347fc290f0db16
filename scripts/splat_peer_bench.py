#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Peers for `robomlx bench splat`: gsplat and graphdeco's diff-gaussian-rasterization on the same scenes.

`ROBOMLX_SPLAT_SCENE_DUMP=DIR robomlx bench splat --device gpu` writes each garden scene it times
(activated parameters, camera) to DIR/garden_N; this script loads them and times, per peer and scene,
the forward (colour) and forward+backward of sum(image * w), w uniform in [0, 1) (a fixed draw, like the
C++ bench), with CUDA events: median and spread over --repeats after --warmup, and the peak of
torch.cuda.max_memory_allocated. TF32 off, like MLX_ENABLE_TF32=0 on our side. The peers are not part of
robomlx: install gsplat from PyPI and build diff-gaussian-rasterization from its repository beside it.

usage: splat_peer_bench.py DIR [--peers gsplat,graphdeco] [--repeats 10] [--warmup 3] [--json FILE]
"""
import argparse
import json
import math
import pathlib
import statistics
import sys

import numpy as np
import torch


def load_scene(d):
    f = lambda n: torch.from_numpy(np.load(d / n)).cuda()
    sc = {k: f(k + ".npy").float() for k in ("means", "scales", "quats_wxyz", "opacities", "sh")}
    sc["viewmat"] = f("viewmat.npy").float()
    sc["K"] = f("K.npy").float()
    w, h = (int(v) for v in np.load(d / "size.npy"))
    sc["width"], sc["height"] = w, h
    return sc


def gsplat_render(sc):
    from gsplat import rasterization

    def render(p):
        img, _, meta = rasterization(p["means"], p["quats_wxyz"], p["scales"], p["opacities"].squeeze(-1), p["sh"],
                                     sc["viewmat"][None], sc["K"][None], sc["width"], sc["height"], sh_degree=3,
                                     near_plane=0.2, far_plane=1e10, eps2d=0.3, radius_clip=0.0,
                                     rasterize_mode="classic")  # packed=True, its default
        return img[0].permute(2, 0, 1)  # [3, H, W]
    return render


def projection(znear, zfar, tanx, tany):
    # graphdeco's perspective matrix for a centred principal point (column vector convention)
    P = torch.zeros(4, 4)
    P[0, 0], P[1, 1] = 1.0 / tanx, 1.0 / tany
    P[3, 2] = 1.0
    P[2, 2] = zfar / (zfar - znear)
    P[2, 3] = -(zfar * znear) / (zfar - znear)
    return P


def graphdeco_render(sc):
    from diff_gaussian_rasterization import GaussianRasterizationSettings, GaussianRasterizer
    import inspect
    K, V = sc["K"].cpu(), sc["viewmat"].cpu()
    W, H = sc["width"], sc["height"]
    assert abs(K[0, 2] - W / 2) < 1e-3 and abs(K[1, 2] - H / 2) < 1e-3, "graphdeco needs a centred principal point"
    tanx, tany = W / (2 * K[0, 0].item()), H / (2 * K[1, 1].item())
    world_view = V.T.contiguous()
    full_proj = (projection(0.01, 100.0, tanx, tany) @ V).T.contiguous()
    campos = torch.linalg.inv(V)[:3, 3]
    kw = dict(image_height=H, image_width=W, tanfovx=tanx, tanfovy=tany, bg=torch.zeros(3, device="cuda"),
              scale_modifier=1.0, viewmatrix=world_view.cuda(), projmatrix=full_proj.cuda(), sh_degree=3,
              campos=campos.cuda(), prefiltered=False, debug=False)
    if "antialiasing" in inspect.signature(GaussianRasterizationSettings).parameters or \
            "antialiasing" in getattr(GaussianRasterizationSettings, "_fields", ()):
        kw["antialiasing"] = False
    rast = GaussianRasterizer(GaussianRasterizationSettings(**kw))

    def render(p):
        screen = torch.zeros_like(p["means"], requires_grad=True)
        out = rast(means3D=p["means"], means2D=screen, shs=p["sh"], colors_precomp=None, opacities=p["opacities"],
                   scales=p["scales"], rotations=p["quats_wxyz"], cov3D_precomp=None)
        return out[0]
    return render


def time_it(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    ms = []
    for _ in range(repeats):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        ms.append(a.elapsed_time(b))
    q = statistics.quantiles(ms, n=4) if len(ms) > 1 else [ms[0]] * 3
    return {"median_ms": statistics.median(ms), "p25_ms": q[0], "p75_ms": q[2],
            "peak_bytes": torch.cuda.max_memory_allocated()}


def bench(peer, sc, repeats, warmup):
    render = {"gsplat": gsplat_render, "graphdeco": graphdeco_render}[peer](sc)
    params = {k: sc[k].clone().requires_grad_(True) for k in ("means", "scales", "quats_wxyz", "opacities", "sh")}
    g = torch.Generator(device="cuda").manual_seed(3)
    w = torch.rand(3, sc["height"], sc["width"], device="cuda", generator=g)

    def fwd():
        with torch.no_grad():
            return render(params)

    def fwd_bwd():
        for p in params.values():
            p.grad = None
        (render(params) * w).sum().backward()

    img = fwd()
    return {"fwd": time_it(fwd, repeats, warmup), "fwd+bwd": time_it(fwd_bwd, repeats, warmup),
            "mean_pixel": img.mean().item()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--peers", default="gsplat,graphdeco")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rows = []
    scenes = sorted(a.dir.glob("garden_*"), key=lambda d: int(d.name.split("_")[1]))
    if not scenes:
        sys.exit(f"{a.dir}: no garden_N scenes (run robomlx bench splat with ROBOMLX_SPLAT_SCENE_DUMP={a.dir})")
    print(f"# {torch.cuda.get_device_name()}  torch {torch.__version__}")
    for d in scenes:
        sc = load_scene(d)
        n = sc["means"].shape[0]
        for peer in a.peers.split(","):
            try:
                r = bench(peer, sc, a.repeats, a.warmup)
            except Exception as e:  # a peer that fails to build or run is reported, not fatal
                print(f"{peer:10s} N={n}: failed: {type(e).__name__}: {e}", flush=True)
                rows.append({"peer": peer, "n": n, "error": str(e)})
                continue
            for case in ("fwd", "fwd+bwd"):
                t = r[case]
                print(f"{peer:10s} {case:8s} N={n:8d} {sc['width']}x{sc['height']}  median {t['median_ms']:8.2f} ms"
                      f"  [{t['p25_ms']:.2f}, {t['p75_ms']:.2f}]  peak {t['peak_bytes'] / 2**20:8.1f} MiB", flush=True)
                rows.append({"peer": peer, "case": case, "n": n, "width": sc["width"], "height": sc["height"], **t})
            print(f"{peer:10s} mean pixel {r['mean_pixel']:.6f}")
            torch.cuda.empty_cache()
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps({"device": torch.cuda.get_device_name(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
