// SPDX-License-Identifier: Apache-2.0
// Radius search and kNN against brute force, per implementation (each forced on its own stream and
// asserted to have run: the CPU twins on a CPU stream also on a GPU run, the CUDA candidate scan on
// the GPU); the CPU twins equal the portable path exactly on the same CPU stream; bad arguments.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/neighbors.h"
#include "support.h"

namespace robomlx::sparse {
namespace {

struct Cloud {
  std::vector<float> xyz;
  std::vector<int> batch;
  int size() const { return static_cast<int>(batch.size()); }
  mx::array points() const { return mx::array(xyz.data(), {size(), 3}, mx::float32); }
  mx::array ids() const { return mx::array(batch.data(), {size()}, mx::int32); }
};

Cloud random_cloud(int n, int batches, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  Cloud c;
  for (int i = 0; i < n; ++i) {
    for (int a = 0; a < 3; ++a) c.xyz.push_back(u(rng));
    c.batch.push_back(static_cast<int>(rng() % batches));
  }
  return c;
}

float dist_sq(const Cloud& p, int j, const Cloud& q, int i) {
  float dx = p.xyz[3 * j] - q.xyz[3 * i], dy = p.xyz[3 * j + 1] - q.xyz[3 * i + 1];
  float dz = p.xyz[3 * j + 2] - q.xyz[3 * i + 2];
  return (dx * dx + dy * dy) + dz * dz;
}

// Brute force: per query, the (distance^2, index) pairs of same-batch points within r, sorted.
std::vector<std::vector<std::pair<float, int>>> brute_radius(const Cloud& p, const Cloud& q, float r) {
  std::vector<std::vector<std::pair<float, int>>> out(q.size());
  for (int i = 0; i < q.size(); ++i) {
    for (int j = 0; j < p.size(); ++j) {
      float d2 = dist_sq(p, j, q, i);
      if (p.batch[j] == q.batch[i] && d2 <= r * r) out[i].push_back({d2, j});
    }
    std::sort(out[i].begin(), out[i].end());
  }
  return out;
}

std::vector<int> to_vec(const mx::array& a) {
  auto c = mx::astype(a, mx::int32);
  mx::eval(c);
  return std::vector<int>(c.data<int>(), c.data<int>() + c.size());
}
std::vector<float> to_fvec(const mx::array& a) {
  auto c = mx::astype(a, mx::float32);
  mx::eval(c);
  return std::vector<float>(c.data<float>(), c.data<float>() + c.size());
}

// Checks a search result against brute force: same set per query and matching distances.
void expect_matches(const NeighborList& nl, const std::vector<std::vector<std::pair<float, int>>>& ref, bool ordered) {
  auto idx = to_vec(nl.indices);
  auto dist = to_fvec(nl.distances);
  auto off = to_vec(nl.offsets);
  ASSERT_EQ(off.size(), ref.size() + 1);
  for (size_t i = 0; i < ref.size(); ++i) {
    std::vector<std::pair<float, int>> got;
    for (int e = off[i]; e < off[i + 1]; ++e) got.push_back({dist[e], idx[e]});
    if (!ordered) std::sort(got.begin(), got.end(), [](auto a, auto b) { return a.second < b.second; });
    auto want = ref[i];
    if (!ordered) std::sort(want.begin(), want.end(), [](auto a, auto b) { return a.second < b.second; });
    ASSERT_EQ(got.size(), want.size()) << "query " << i;
    for (size_t e = 0; e < got.size(); ++e) {
      EXPECT_EQ(got[e].second, want[e].second) << "query " << i << " entry " << e;
      EXPECT_NEAR(got[e].first, std::sqrt(want[e].first), 1e-6f) << "query " << i;
    }
  }
}

// The radius search's candidate scan has all three implementations.
class NeighborsImpl : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override { return "sparse.radius_search"; }
};

// kNN has a CPU twin; its portable path runs radius searches, whose GPU twin is what runs on a
// GPU: forcing "cuda" (or "metal") forces that scan, forcing "portable" forces both ops' portable
// paths.
class KnnImpl : public ::robomlx::test::ImplTest {
 protected:
  std::string forced_tag() const override {
    if (GetParam() == Impl::cpu) return "sparse.knn";
    return GetParam() == Impl::cuda || GetParam() == Impl::metal ? "sparse.radius_search" : "sparse.";
  }
};

TEST_P(NeighborsImpl, RadiusMatchesBruteForceAcrossBatches) {
  auto p = random_cloud(700, 3, 1), q = random_cloud(300, 3, 2);
  RadiusSearchOptions opts;
  opts.radius = 0.3f;
  auto nl = radius_search(p.points(), q.points(), opts, p.ids(), q.ids(), stream());
  expect_matches(nl, brute_radius(p, q, 0.3f), false);
  // Sanity: the test is not trivially empty.
  EXPECT_GT(nl.num_edges(), 500);
}

TEST_P(NeighborsImpl, RadiusWithoutBatchesIsOneBatch) {
  auto p = random_cloud(400, 1, 3, 5.0f), q = random_cloud(100, 1, 4, 5.0f);
  RadiusSearchOptions opts;
  opts.radius = 1.1f;
  opts.sort = true;
  auto nl = radius_search(p.points(), q.points(), opts, std::nullopt, std::nullopt, stream());
  expect_matches(nl, brute_radius(p, q, 1.1f), true);
}

TEST_P(NeighborsImpl, BoundaryIsInclusiveAndDuplicatesAreKept) {
  // Exactly representable distances: 0.5 is in, 0.5 + 2^-20 is out.
  Cloud p{{0, 0, 0, 0.5f, 0, 0, 0, -0.5f, 0, 0, 0, 0.5f + 1.0f / (1 << 20), 0.5f, 0, 0}, {0, 0, 0, 0, 0}};
  Cloud q{{0, 0, 0}, {0}};
  RadiusSearchOptions opts;
  opts.radius = 0.5f;
  opts.sort = true;
  auto nl = radius_search(p.points(), q.points(), opts, p.ids(), q.ids(), stream());
  EXPECT_EQ(to_vec(nl.indices), (std::vector<int>{0, 1, 2, 4}));
  EXPECT_EQ(to_vec(nl.offsets), (std::vector<int>{0, 4}));
  EXPECT_EQ(to_fvec(nl.distances), (std::vector<float>{0, 0.5f, 0.5f, 0.5f}));
}

TEST_P(NeighborsImpl, EmptyBatchAndEmptyInputs) {
  // Batch 1 has queries but no points; batch 2 has points but no queries.
  Cloud p{{0, 0, 0, 0.1f, 0, 0, 5, 5, 5}, {0, 0, 2}};
  Cloud q{{0, 0, 0, 0.05f, 0, 0}, {1, 0}};
  RadiusSearchOptions opts;
  opts.radius = 1.0f;
  auto nl = radius_search(p.points(), q.points(), opts, p.ids(), q.ids(), stream());
  EXPECT_EQ(to_vec(nl.offsets), (std::vector<int>{0, 0, 2}));
  auto none = radius_search(mx::zeros({0, 3}), q.points(), opts, std::nullopt, std::nullopt, stream());
  EXPECT_EQ(to_vec(none.offsets), (std::vector<int>{0, 0, 0}));
  auto noq = radius_search(p.points(), mx::zeros({0, 3}), opts, std::nullopt, std::nullopt, stream());
  EXPECT_EQ(noq.num_queries(), 0);
  EXPECT_EQ(noq.num_edges(), 0);
}

TEST_P(NeighborsImpl, CapKeepsClosestWithLowerIndexOnTies) {
  auto p = random_cloud(500, 2, 5), q = random_cloud(120, 2, 6);
  // Duplicate point 0 at the end so ties exist.
  p.xyz.insert(p.xyz.end(), p.xyz.begin(), p.xyz.begin() + 3);
  p.batch.push_back(p.batch[0]);
  RadiusSearchOptions opts;
  opts.radius = 0.5f;
  opts.max_neighbors = 7;
  auto nl = radius_search(p.points(), q.points(), opts, p.ids(), q.ids(), stream());
  auto ref = brute_radius(p, q, 0.5f);
  for (auto& r : ref) r.resize(std::min<size_t>(r.size(), 7));
  expect_matches(nl, ref, true);
}

INSTANTIATE_TEST_SUITE_P(Impls, NeighborsImpl, ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST_P(KnnImpl, MatchesBruteForce) {
  auto p = random_cloud(600, 3, 7), q = random_cloud(150, 3, 8);
  // Batch 3 holds only 2 points and one query: its tail is padded.
  p.xyz.insert(p.xyz.end(), {0.1f, 0.1f, 0.1f, 0.2f, 0.2f, 0.2f});
  p.batch.insert(p.batch.end(), {3, 3});
  q.xyz.insert(q.xyz.end(), {0, 0, 0});
  q.batch.push_back(3);
  const int k = 5;
  auto res = knn_search(p.points(), q.points(), k, p.ids(), q.ids(), stream());
  ASSERT_EQ(res.indices.shape(), (mx::Shape{q.size(), k}));
  auto idx = to_vec(res.indices);
  auto dist = to_fvec(res.distances);
  auto ref = brute_radius(p, q, 100.0f);
  for (int i = 0; i < q.size(); ++i) {
    for (int e = 0; e < k; ++e) {
      if (e < static_cast<int>(ref[i].size())) {
        EXPECT_EQ(idx[i * k + e], ref[i][e].second) << "query " << i;
        EXPECT_NEAR(dist[i * k + e], std::sqrt(ref[i][e].first), 1e-6f);
      } else {
        EXPECT_EQ(idx[i * k + e], -1);
        EXPECT_TRUE(std::isinf(dist[i * k + e]));
      }
    }
  }
  EXPECT_EQ(idx[(q.size() - 1) * k + 2], -1);
}

INSTANTIATE_TEST_SUITE_P(Impls, KnnImpl, ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The CPU twins against the portable path, both on the same explicit CPU stream (also on a GPU
// run), each forced and asserted to have run.
TEST(Neighbors, CpuTwinEqualsPortableExactly) {
  const mx::Stream cpu = *::robomlx::test::stream_for(Impl::cpu);
  auto p = random_cloud(2000, 2, 9), q = random_cloud(800, 2, 10);
  RadiusSearchOptions opts;
  opts.radius = 0.2f;
  auto search = [&] { return radius_search(p.points(), q.points(), opts, p.ids(), q.ids(), cpu); };
  NeighborList a = ::robomlx::test::run_forced(Impl::portable, "sparse.radius_search", search);
  NeighborList b = ::robomlx::test::run_forced(Impl::cpu, "sparse.radius_search", search);
  EXPECT_CLOSE(exactly_equal(b.indices, a.indices));
  EXPECT_CLOSE(exactly_equal(b.offsets, a.offsets));
  EXPECT_CLOSE(allclose_scaled(b.distances, a.distances, 0, 0));
}

TEST(Neighbors, KnnCpuTwinEqualsPortableOnClusteredCloud) {
  const mx::Stream cpu = *::robomlx::test::stream_for(Impl::cpu);
  // Dense clusters plus far outliers (the twin's ring search gives up on them and scans the
  // batch), duplicated points (ties by index) and a batch with a single point.
  auto p = random_cloud(3000, 2, 11, 0.05f);
  auto far = random_cloud(20, 2, 12, 40.0f);
  p.xyz.insert(p.xyz.end(), far.xyz.begin(), far.xyz.end());
  p.batch.insert(p.batch.end(), far.batch.begin(), far.batch.end());
  p.xyz.insert(p.xyz.end(), p.xyz.begin(), p.xyz.begin() + 30);
  p.batch.insert(p.batch.end(), p.batch.begin(), p.batch.begin() + 10);
  p.xyz.insert(p.xyz.end(), {1, 1, 1});
  p.batch.push_back(2);
  auto q = random_cloud(400, 3, 13, 0.1f);
  q.xyz.insert(q.xyz.end(), far.xyz.begin(), far.xyz.end());
  q.batch.insert(q.batch.end(), far.batch.begin(), far.batch.end());
  auto search = [&] { return knn_search(p.points(), q.points(), 8, p.ids(), q.ids(), cpu); };
  KnnResult a = ::robomlx::test::run_forced(Impl::portable, "sparse.", search);
  KnnResult b = ::robomlx::test::run_forced(Impl::cpu, "sparse.knn", search);
  EXPECT_CLOSE(exactly_equal(b.indices, a.indices));
  EXPECT_CLOSE(allclose_scaled(mx::where(mx::isinf(b.distances), mx::array(-1.0f), b.distances),
                               mx::where(mx::isinf(a.distances), mx::array(-1.0f), a.distances), 1e-6));
}

TEST(Neighbors, BatchIdsFromOffsets) {
  auto offsets = mx::array({0, 2, 2, 5}, mx::int32);
  EXPECT_EQ(to_vec(batch_ids_from_offsets(offsets)), (std::vector<int>{0, 0, 2, 2, 2}));
  EXPECT_EQ(to_vec(batch_ids_from_offsets(offsets, mx::Device::cpu)), (std::vector<int>{0, 0, 2, 2, 2}));
}

TEST(Neighbors, RejectsBadArguments) {
  auto pts = mx::zeros({4, 3});
  RadiusSearchOptions opts;
  opts.radius = 0;
  EXPECT_THROW_MSG(radius_search(pts, pts, opts), std::invalid_argument, "[sparse.neighbors] radius must be");
  opts.radius = 1;
  opts.max_neighbors = -1;
  EXPECT_THROW_MSG(radius_search(pts, pts, opts), std::invalid_argument, "max_neighbors must be >= 0");
  opts.max_neighbors = 0;
  EXPECT_THROW_MSG(radius_search(mx::zeros({4, 2}), pts, opts), std::invalid_argument, "points");
  EXPECT_THROW_MSG(radius_search(pts, pts, opts, mx::zeros({4}, mx::int32)), std::invalid_argument, "together");
  EXPECT_THROW_MSG(radius_search(pts, pts, opts, mx::zeros({3}, mx::int32), mx::zeros({4}, mx::int32)),
                   std::invalid_argument, "one entry per point");
  EXPECT_THROW_MSG(radius_search(pts, pts, opts, mx::full({4}, -1, mx::int32), mx::zeros({4}, mx::int32)),
                   std::invalid_argument, "batch ids must be >= 0");
  EXPECT_THROW_MSG(knn_search(pts, pts, 0), std::invalid_argument, "[sparse.knn] k must be >= 1");
}

}  // namespace
}  // namespace robomlx::sparse
