# SPDX-License-Identifier: Apache-2.0
# robomlx.splat from Python: PLY round trip and mx.grad through the rasterizer against central
# central finite differences of the same loss summed in float64 (the C++ suite also compares
# with graphdeco's golden gradients).
import mlx.core as mx
import numpy as np

from robomlx import splat

rng = np.random.default_rng(3)


def small_scene(n=5):
    # Opacities below 0.5: graphdeco's alpha clamp (0.99) and early stop (T < 1e-4) never bind,
    # so the rasterizer's gradient is the derivative of its image (they are its approximations).
    return dict(means3d=np.c_[rng.uniform(-0.5, 0.5, (n, 2)), rng.uniform(2.5, 3.5, n)].astype(np.float32),
                scales=rng.uniform(0.08, 0.2, (n, 3)).astype(np.float32),
                rotations=np.tile(np.float32([1, 0, 0, 0]), (n, 1)),
                opacities=rng.uniform(0.2, 0.5, (n, 1)).astype(np.float32),
                shs=rng.uniform(-0.5, 0.5, (n, 1, 3)).astype(np.float32))


def test_rasterize_and_grad_match_finite_differences():
    cam = splat.Camera(48, 40, fx=50.0, fy=50.0)
    p = small_scene()
    target = mx.array(rng.uniform(0, 1, (3, 40, 48)).astype(np.float32))

    def loss(means3d, opacities, shs):
        color, _, _, _ = splat.rasterize(means3d, mx.array(p["scales"]), mx.array(p["rotations"]), opacities, shs, cam)
        return ((color - target) ** 2).sum()

    color, inv_depth, alpha, radii = splat.rasterize(**{k: mx.array(v) for k, v in p.items()}, camera=cam)
    assert color.shape == (3, 40, 48) and (np.asarray(radii) > 0).all() and np.asarray(alpha).max() > 0.2
    args = [mx.array(p["means3d"]), mx.array(p["opacities"]), mx.array(p["shs"])]
    grads = mx.grad(loss, argnums=(0, 1, 2))(*args)

    target_np = np.asarray(target).astype(np.float64)

    def loss_np(arrays):  # the float32 image, its loss summed in float64: no summation noise
        color, _, _, _ = splat.rasterize(arrays[0], p["scales"], p["rotations"], arrays[1], arrays[2], cam)
        return ((np.asarray(color).astype(np.float64) - target_np) ** 2).sum()

    def fd(which, idx, eps):
        hi, lo = [np.array(a) for a in args], [np.array(a) for a in args]
        hi[which][idx] += eps
        lo[which][idx] -= eps
        return (loss_np(hi) - loss_np(lo)) / (2 * eps)

    # Opacities and SH enter the image smoothly: element by element, 1 %.
    for which in (1, 2):
        g = np.asarray(grads[which])
        for idx in np.ndindex(g.shape):
            want = fd(which, idx, 1e-3)
            assert abs(want - g[idx]) <= 1e-2 * max(1.0, abs(want)), (which, idx, want, g[idx])
    # Positions move footprints across pixels (radius rounding, the 1/255 alpha cut-off) and the
    # float32 loss is noisy at small steps: compare the whole gradient's direction and size.
    g = np.asarray(grads[0]).ravel()
    want = np.array([fd(0, idx, 1e-2) for idx in np.ndindex(grads[0].shape)])
    cos = g @ want / (np.linalg.norm(g) * np.linalg.norm(want))
    assert cos > 0.995 and abs(np.linalg.norm(g) / np.linalg.norm(want) - 1) < 0.05, cos


def test_gaussian_ply_round_trip(tmp_path):
    s = splat.GaussianScene()
    p = small_scene(4)
    s.means, s.log_scales, s.rotations = mx.array(p["means3d"]), mx.log(mx.array(p["scales"])), mx.array(p["rotations"])
    s.opacity_logits, s.sh, s.sh_degree = mx.array(p["opacities"]), mx.array(p["shs"]), 0
    splat.write_ply(str(tmp_path / "g.ply"), s)
    back = splat.read_ply(str(tmp_path / "g.ply"))
    assert len(back) == 4 and back.sh_degree == 0
    np.testing.assert_array_equal(np.asarray(back.means), p["means3d"])
    means, scales, rots, opac, shs = back.activated()
    np.testing.assert_allclose(np.asarray(scales), p["scales"], rtol=1e-6)
