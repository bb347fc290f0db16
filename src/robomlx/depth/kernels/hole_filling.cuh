// SPDX-License-Identifier: Apache-2.0
// Device helpers of the hole-filling kernels (their kernel header, in
// hole_filling_gpu.cpp): emptiness (float: bit pattern 0) and warp shuffles for uint16 and
// float values.

template <typename T> RM_FUNC bool rs_empty(T v) { return v == T(0); }
template <> RM_FUNC bool rs_empty<float>(float v) { return rm_float_as_int(v) == 0; }
// Lane - 1's value (uint16 travels as int).
template <typename T> RM_FUNC T rs_shfl_up(T v) { return (T)rm_shfl_up((int)v, 1); }
template <> RM_FUNC float rs_shfl_up<float>(float v) { return rm_shfl_up(v, 1); }
// Lane src's value.
template <typename T> RM_FUNC T rs_shfl(T v, int src) { return (T)rm_shfl((int)v, src); }
template <> RM_FUNC float rs_shfl<float>(float v, int src) { return rm_shfl(v, src); }
