// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/sparse/voxel.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

std::vector<int> to_vec(const mx::array& a) {
  auto c = mx::astype(a, mx::int32);
  mx::eval(c);
  return std::vector<int>(c.data<int>(), c.data<int>() + c.size());
}

// Plain loop: per (batch, voxel) the point nearest the centre, ties -> lower index.
std::vector<int> reference(const std::vector<float>& xyz, const std::vector<int>& batch, float s) {
  std::map<std::tuple<int, long, long, long>, std::pair<float, int>> best;
  int n = static_cast<int>(batch.size());
  for (int i = 0; i < n; ++i) {
    long v[3];
    float d2 = 0;
    for (int a = 0; a < 3; ++a) {
      float c = std::floor(xyz[3 * i + a] / s);
      v[a] = static_cast<long>(c);
      float d = xyz[3 * i + a] - (c + 0.5f) * s;
      d2 += d * d;
    }
    auto key = std::make_tuple(batch[i], v[0], v[1], v[2]);
    auto it = best.find(key);
    if (it == best.end() || d2 < it->second.first) best[key] = {d2, i};
  }
  std::vector<int> out;
  for (auto& [k, v] : best) out.push_back(v.second);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Voxel, MatchesLoopOnBatchedCloud) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-2, 2);
  std::vector<float> xyz;
  std::vector<int> batch;
  for (int i = 0; i < 3000; ++i) {
    for (int a = 0; a < 3; ++a) xyz.push_back(u(rng));
    batch.push_back(i < 1000 ? 0 : (i < 2500 ? 1 : 3));
  }
  auto pts = mx::array(xyz.data(), {3000, 3}, mx::float32);
  auto ids = mx::array(batch.data(), {3000}, mx::int32);
  VoxelDownsampleOptions opts;
  opts.voxel_size = 0.5f;
  auto got = to_vec(voxel_downsample(pts, opts, ids));
  auto want = reference(xyz, batch, 0.5f);
  EXPECT_EQ(got, want);
  EXPECT_GT(want.size(), 500u);
  EXPECT_LT(want.size(), 2500u);
}

TEST(Voxel, TiesGoToLowerIndexAndBatchesDoNotMix) {
  // Points 1 and 2 are equally far from the centre (0.5, 0.5, 0.5); point 0 is farther.
  std::vector<float> xyz{0.9f, 0.9f, 0.9f, 0.25f, 0.5f, 0.5f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  std::vector<int> batch{0, 0, 0, 1};
  auto pts = mx::array(xyz.data(), {4, 3}, mx::float32);
  VoxelDownsampleOptions opts;
  opts.voxel_size = 1.0f;
  EXPECT_EQ(to_vec(voxel_downsample(pts, opts, mx::array(batch.data(), {4}, mx::int32))), (std::vector<int>{1, 3}));
  // Without batch ids point 3 (at the centre) wins the single voxel.
  EXPECT_EQ(to_vec(voxel_downsample(pts, opts)), (std::vector<int>{3}));
  EXPECT_EQ(voxel_downsample(mx::zeros({0, 3}), opts).size(), 0u);
}

TEST(Voxel, RejectsBadArguments) {
  VoxelDownsampleOptions opts;
  opts.voxel_size = -1;
  EXPECT_THROW_MSG(voxel_downsample(mx::zeros({2, 3}), opts), std::invalid_argument,
                   "[sparse.voxel] voxel_size must be");
  opts.voxel_size = 1;
  EXPECT_THROW_MSG(voxel_downsample(mx::zeros({2, 3}), opts, mx::zeros({3}, mx::int32)), std::invalid_argument,
                   "one id per point");
}

}  // namespace
}  // namespace robomlx::sparse
