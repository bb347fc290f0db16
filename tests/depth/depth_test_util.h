// SPDX-License-Identifier: Apache-2.0
// Small host helpers for the depth tests: deterministic random frames, array <-> vector, the
// implementations a parameterised test runs, and the streams a lazy graph would run on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>
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

/// Parameters of an ImplTest over every implementation, or over the twins only (twin-vs-portable
/// tests); a twin that cannot run on this machine skips with the reason (tests/support.h). The
/// Metal twins run only on Apple GPUs (unverified until they do: docs/kernels.md).
inline const auto kEveryImpl = ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal);
inline const auto kTwins = ::testing::Values(Impl::cpu, Impl::cuda, Impl::metal);
inline std::string impl_name(const ::testing::TestParamInfo<Impl>& info) { return to_string(info.param); }

/// fn() with the portable path forced (strictly, every op): the reference inside an ImplTest,
/// built on the same stream as the twin it is compared with. Lazy results keep that choice.
template <typename F>
auto with_portable(F&& fn) {
  ScopedImpl force(Impl::portable);
  return fn();
}

/// The streams of every op in the unevaluated graph behind `outputs` (evaluated arrays and
/// constants end the walk): a portable path that forgot its stream shows up as a second stream.
inline std::set<std::pair<int, int>> graph_streams(const std::vector<mx::array>& outputs) {
  std::set<std::pair<int, int>> streams;  // (device type, stream index)
  std::unordered_set<std::uintptr_t> seen;
  std::vector<mx::array> todo = outputs;
  while (!todo.empty()) {
    mx::array a = todo.back();
    todo.pop_back();
    if (!seen.insert(a.id()).second || !a.has_primitive() || a.is_available()) continue;
    const auto& s = a.primitive().stream();
    streams.insert({static_cast<int>(s.device.type), s.index});
    for (const auto& in : a.inputs()) todo.push_back(in);
  }
  return streams;
}

inline std::pair<int, int> stream_key(const mx::Stream& s) { return {static_cast<int>(s.device.type), s.index}; }

/// A golden case name as a GoogleTest parameter name ('.' is not allowed there).
inline std::string golden_test_name(const std::string& name) {
  std::string n = name;
  std::replace(n.begin(), n.end(), '.', 'p');
  return n;
}

/// Golden tests run every case on every implementation: (implementation, case folder name).
/// In the body: ROBOMLX_STREAM_OR_SKIP(s, impl), then test::run_forced(impl, tag, ...) on s.
using ImplCase = std::tuple<Impl, std::string>;
inline std::string impl_case_name(const ::testing::TestParamInfo<ImplCase>& info) {
  return golden_test_name(std::get<1>(info.param)) + "_" + to_string(std::get<0>(info.param));
}

}  // namespace robomlx::depth::test_util
