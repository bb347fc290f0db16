# SPDX-License-Identifier: Apache-2.0
# Arrays across the boundary: mlx arrays as themselves, NumPy / buffer protocol / DLPack inputs
# (shared without a copy where robomlx.info() says so), the device keyword, errors.
import mlx.core as mx
import numpy as np
import pytest

import robomlx
import robomlx.sparse as sp


def test_info_and_version():
    info = robomlx.info()
    assert info["robomlx"] == robomlx.__version__
    assert info["mlx"] == mx.__version__
    assert "cpu" in info["backends"] and "cpu" in info["devices"]


def test_numpy_and_mlx_inputs_agree():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    lengths = np.array([3, 0, 7], dtype=np.int32)
    want = np.stack([x[:3].sum(0), np.zeros(2), x[3:].sum(0)])
    for xs, ls in [(x, lengths), (mx.array(x), mx.array(lengths)), (memoryview(x), lengths.tolist())]:
        got = sp.segment_sum(xs, ls)
        assert isinstance(got, mx.array)
        np.testing.assert_array_equal(np.asarray(got), want)


def test_numpy_input_is_shared_not_copied_and_never_written():
    if not robomlx.info()["zero_copy_numpy"]:
        pytest.skip("this MLX build's allocator cannot wrap host memory (CUDA): inputs are copied")
    x = np.ones((4, 3), dtype=np.float32)
    lengths = np.array([4], dtype=np.int32)
    y = sp.segment_sum(x, lengths)  # lazy: reads x when evaluated
    x[0, 0] = 101.0                 # visible to the lazy op only if the memory is shared
    np.testing.assert_array_equal(np.asarray(y), [[104.0, 4.0, 4.0]])
    # An op whose output could reuse its input's buffer must not write into NumPy's memory.
    before = x.copy()
    z = mx.exp(sp.segment_sum(x, np.array([1, 1, 1, 1], np.int32)))
    mx.eval(z)
    np.testing.assert_array_equal(x, before)


def test_non_contiguous_and_dlpack_inputs():
    x = np.arange(24, dtype=np.float32).reshape(6, 4)[:, ::2]  # strided: copied to contiguous
    got = np.asarray(sp.segment_sum(x, np.array([6], np.int32)))
    np.testing.assert_array_equal(got, x.sum(0, keepdims=True))

    class OnlyDlpack:  # an exporter with DLPack only
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    xd = np.arange(8, dtype=np.float32).reshape(4, 2)
    got = np.asarray(sp.segment_sum(OnlyDlpack(xd), np.array([4], np.int32)))
    np.testing.assert_array_equal(got, xd.sum(0, keepdims=True))


def test_device_keyword():
    x, lengths = np.ones((4, 2), np.float32), np.array([2, 2], np.int32)
    for device in [None, "cpu", "auto", mx.cpu, mx.Device(mx.cpu), mx.default_stream(mx.cpu)]:
        np.testing.assert_array_equal(np.asarray(sp.segment_sum(x, lengths, device=device)), [[2, 2], [2, 2]])
    with pytest.raises(ValueError, match="device"):
        sp.segment_sum(x, lengths, device=3)
    if not mx.is_available(mx.gpu):
        with pytest.raises(robomlx.UnsupportedBackendError, match="no usable GPU"):
            sp.segment_sum(x, lengths, device="gpu")


def test_errors_keep_the_library_messages():
    with pytest.raises(ValueError, match=r"^\[sparse\.segment_reduce\] .*op must be one of"):
        sp.segment_reduce(np.ones((2, 1), np.float32), np.array([2], np.int32), "median")
    with pytest.raises(ValueError, match=r"\[sparse\."):
        sp.segment_sum(np.ones((3, 1), np.float32), np.array([2], np.int32))  # sum(lengths) != rows
    with pytest.raises(OSError):
        robomlx.io.read_png("/nonexistent/x.png")
    assert issubclass(robomlx.FormatError, OSError) and issubclass(robomlx.FormatError, ValueError)
