// SPDX-License-Identifier: Apache-2.0
// Small host helpers for the depth tests: deterministic random frames and array <-> vector.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/depth/frame.h"

namespace robomlx::depth::test_util {

namespace mx = mlx::core;

template <typename T>
std::vector<T> to_vector(const mx::array& a) {
  auto c = mx::contiguous(a);
  mx::eval(c);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

/// Z16 [h, w] with about `hole_fraction` zeros and values in [lo, hi].
inline std::vector<std::uint16_t> random_depth(int h, int w, unsigned seed, double hole_fraction = 0.2,
                                               int lo = 1, int hi = 65535) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(lo, hi);
  std::bernoulli_distribution hole(hole_fraction);
  std::vector<std::uint16_t> v(std::size_t(h) * w);
  for (auto& x : v) x = hole(rng) ? 0 : std::uint16_t(value(rng));
  return v;
}

inline Frame z16_frame(const std::vector<std::uint16_t>& v, int h, int w) {
  Frame f;
  f.data = mx::array(v.data(), {h, w}, mx::uint16);
  f.format = FrameFormat::z16;
  f.intrinsics.width = w;
  f.intrinsics.height = h;
  f.intrinsics.fx = f.intrinsics.fy = 400;
  f.intrinsics.ppx = w / 2.0f;
  f.intrinsics.ppy = h / 2.0f;
  f.depth_units = 0.001f;
  f.baseline_mm = 50;
  return f;
}

/// The twin the default device runs: the CUDA kernel on a CUDA GPU, else the threaded CPU one.
inline Impl device_twin() { return is_cuda_device(mx::default_device()) ? Impl::cuda : Impl::cpu; }

/// Hand and golden cases run the portable path and the twin that can run here.
inline std::vector<Impl> impls_here() { return {Impl::portable, device_twin()}; }

/// A golden case name as a GoogleTest parameter name ('.' is not allowed there).
inline std::string golden_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '.', 'p');
  return n;
}

}  // namespace robomlx::depth::test_util
