# SPDX-License-Identifier: Apache-2.0
# robomlx.sparse from Python: forwards against plain NumPy loops, and mx.grad / mx.value_and_grad
# through the C++ custom VJPs against central finite differences (float64 on the CPU).
import mlx.core as mx
import numpy as np
import pytest

import robomlx.sparse as sp

CPU = mx.cpu
rng = np.random.default_rng(7)


def f64(x):
    """mx.array keeps float64 only when asked (NumPy float64 becomes float32 by default)."""
    return mx.array(x, dtype=mx.float64)


def triplets(K, Nb, No, T):
    return (rng.integers(0, K, T).astype(np.int32), rng.integers(0, Nb, T).astype(np.int32),
            rng.integers(0, No, T).astype(np.int32))


def mvmr_loop(a, b, ai, bi, oi, n):
    o = np.zeros((n, a.shape[1], a.shape[3]))
    for t in range(len(ai)):
        for g in range(a.shape[1]):
            o[oi[t], g] += b[bi[t], g] @ a[ai[t], g]
    return o


def vvor_loop(a, b, ai, bi, oi, n):
    o = np.zeros((n, a.shape[1], a.shape[2], b.shape[2]))
    for t in range(len(ai)):
        for g in range(a.shape[1]):
            o[oi[t], g] += np.outer(a[ai[t], g], b[bi[t], g])
    return o


def fd_grad(f, x, eps=1e-6):
    """Central differences of scalar f over every element of x (float64 NumPy)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def test_mvmr_and_vvor_forward_match_loops():
    K, G, C, M, Nb, No, T = 5, 2, 3, 4, 9, 6, 40
    a = rng.standard_normal((K, G, C, M)).astype(np.float32)
    b = rng.standard_normal((Nb, G, C)).astype(np.float32)
    ai, bi, oi = triplets(K, Nb, No, T)
    got = np.asarray(sp.mvmr(a, b, ai, bi, oi, No))
    want = mvmr_loop(a.astype(np.float64), b.astype(np.float64), ai, bi, oi, No)
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()

    va = rng.standard_normal((Nb, G, M)).astype(np.float32)
    got = np.asarray(sp.vvor(va, b, bi, bi, oi, No))
    want = vvor_loop(va.astype(np.float64), b.astype(np.float64), bi, bi, oi, No)
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()


def test_mx_grad_through_mvmr_matches_finite_differences():
    K, G, C, M, Nb, No, T = 3, 2, 2, 3, 5, 4, 24
    a = rng.standard_normal((K, G, C, M))
    b = rng.standard_normal((Nb, G, C))
    w = rng.standard_normal((No, G, M))  # a fixed projection makes the loss depend on every output
    ai, bi, oi = triplets(K, Nb, No, T)

    def loss(a_, b_):
        o = sp.mvmr(a_, b_, ai, bi, oi, No, device=CPU)
        return (mx.sin(o) * f64(w)).sum()

    ga, gb = mx.grad(loss, argnums=(0, 1))(f64(a), f64(b))
    assert ga.dtype == mx.float64 and ga.shape == a.shape and gb.shape == b.shape

    def loss_np(a_, b_):
        return float((np.sin(mvmr_loop(a_, b_, ai, bi, oi, No)) * w).sum())

    np.testing.assert_allclose(np.asarray(ga), fd_grad(lambda x: loss_np(x, b), a), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.asarray(gb), fd_grad(lambda x: loss_np(a, x), b), rtol=1e-6, atol=1e-8)

    value, (va, vb) = mx.value_and_grad(loss, argnums=(0, 1))(f64(a), f64(b))
    assert abs(value.item() - loss_np(a, b)) < 1e-7 * abs(loss_np(a, b))
    np.testing.assert_array_equal(np.asarray(va), np.asarray(ga))


def test_mx_grad_through_vvor_matches_finite_differences():
    G, M, C, Na, Nb, No, T = 1, 2, 3, 4, 5, 3, 16
    a = rng.standard_normal((Na, G, M))
    b = rng.standard_normal((Nb, G, C))
    ai, bi, oi = triplets(Na, Nb, No, T)
    w = rng.standard_normal((No, G, M, C))

    def loss(a_):
        return (sp.vvor(a_, f64(b), ai, bi, oi, No, device=CPU) * f64(w)).sum()

    g = np.asarray(mx.grad(loss)(f64(a)))
    want = fd_grad(lambda x: float((vvor_loop(x, b, ai, bi, oi, No) * w).sum()), a)
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_segment_reduce_forward_and_grad(op):
    x = rng.standard_normal((9, 2))
    lengths = np.array([2, 0, 4, 3], np.int32)
    off = np.concatenate([[0], np.cumsum(lengths)])
    ref = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}[op]

    def reduce_np(x_):
        return np.stack([ref(x_[off[k]:off[k + 1]], axis=0) if lengths[k] else np.zeros(2)
                         for k in range(len(lengths))])

    np.testing.assert_allclose(np.asarray(sp.segment_reduce(x, lengths, op, device=CPU)), reduce_np(x), rtol=1e-12)
    w = rng.standard_normal((4, 2))
    g = mx.grad(lambda x_: (mx.tanh(sp.segment_reduce(x_, lengths, op, device=CPU)) * f64(w)).sum())(f64(x))
    want = fd_grad(lambda x_: float((np.tanh(reduce_np(x_)) * w).sum()), x)  # no ties: random values
    np.testing.assert_allclose(np.asarray(g), want, rtol=1e-6, atol=1e-8)


def test_indexed_segment_reduce_matches_gather_then_reduce():
    x = rng.standard_normal((6, 3)).astype(np.float32)
    idx = np.array([5, 0, 0, 2, 4], np.int32)
    lengths = np.array([3, 2], np.int32)
    got = np.asarray(sp.indexed_segment_reduce(x, idx, lengths, "sum"))
    np.testing.assert_allclose(got, np.stack([x[idx[:3]].sum(0), x[idx[3:]].sum(0)]), rtol=1e-6)


def test_point_conv_value_and_grad():
    pts = rng.uniform(0, 1, (64, 3)).astype(np.float32)
    tri = sp.build_triplets(pts, pts, 0.3, kernel_size=3)
    assert len(tri) > 64 and tri.num_taps == 27
    x = mx.array(rng.standard_normal((64, 4)).astype(np.float32))
    wgt = mx.array(rng.standard_normal((27, 1, 4, 8)).astype(np.float32) * 0.1)
    bias = mx.zeros((8,))

    def loss(w_, b_):
        return (sp.point_conv(x, w_, b_, tri) ** 2).mean()

    value, (gw, gbias) = mx.value_and_grad(loss, argnums=(0, 1))(wgt, bias)
    assert gw.shape == wgt.shape and gbias.shape == bias.shape and np.isfinite(value.item())
    # Direction check against the loss itself: a small step along -grad lowers it.
    assert loss(wgt - 1e-2 * gw, bias).item() < value.item()


def test_neighbour_search_against_brute_force():
    pts = rng.uniform(0, 1, (50, 3)).astype(np.float32)
    q = pts[:7]
    idx, dist, offsets = sp.radius_search(pts, q, 0.25, sort=True)
    idx, offsets = np.asarray(idx), np.asarray(offsets)
    d = np.linalg.norm(q[:, None] - pts[None], axis=2)
    for i in range(7):
        assert sorted(idx[offsets[i]:offsets[i + 1]]) == sorted(np.nonzero(d[i] <= 0.25)[0])
    kidx, kdist = sp.knn(pts, q, 4)
    np.testing.assert_array_equal(np.asarray(kidx), np.argsort(d, axis=1, kind="stable")[:, :4])


def test_mx_compile_with_lazy_index_check():
    K, G, C, M, Nb, No, T = 3, 1, 4, 5, 6, 2, 10
    a = mx.array(rng.standard_normal((K, G, C, M)).astype(np.float32))
    b = mx.array(rng.standard_normal((Nb, G, C)).astype(np.float32))
    ai, bi, oi = (mx.array(t) for t in triplets(K, Nb, No, T))

    def loss(a_, b_):  # check=False: no host synchronisation, so the call traces under mx.compile
        return (sp.mvmr(a_, b_, ai, bi, oi, No, check=False) ** 2).sum()

    compiled = mx.compile(mx.grad(loss, argnums=(0, 1)))
    for got, want in zip(compiled(a, b), mx.grad(loss, argnums=(0, 1))(a, b)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-6)
