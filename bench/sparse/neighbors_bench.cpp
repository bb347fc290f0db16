// SPDX-License-Identifier: Apache-2.0
// `robomlx bench sparse_nn`: radius search and kNN (portable vs CPU twin), voxel downsampling and
// point-conv forward / forward+backward on the garden splat centres (138,766 real points from
// shared/data/splat/garden-points/means3d.npy; synthetic points if the file is missing).
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/sparse/neighbors.h"
#include "robomlx/sparse/point_conv.h"
#include "robomlx/sparse/voxel.h"

namespace robomlx::sparse {

namespace {
// Minimal reader for a C-ordered little-endian float32 (N, 3) .npy (the shared io reader is not
// on this branch); returns an empty optional on anything else.
std::optional<mx::array> read_points_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  char magic[8];
  f.read(magic, 8);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) return std::nullopt;
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  f.read(header.data(), header_len);
  if (!f || header.find("'<f4'") == std::string::npos || header.find("False") == std::string::npos) return std::nullopt;
  auto open = header.find("'shape': (");
  if (open == std::string::npos) return std::nullopt;
  long n = std::strtol(header.c_str() + open + 10, nullptr, 10);
  if (n <= 0 || header.find(", 3)", open) == std::string::npos) return std::nullopt;
  std::vector<float> data(static_cast<size_t>(n) * 3);
  f.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size() * 4));
  if (!f) return std::nullopt;
  return mx::array(data.data(), {static_cast<int>(n), 3}, mx::float32);
}

mx::array load_points(bool quick, std::string& source) {
  const char* env = std::getenv("ROBOMLX_SHARED_DIR");
  std::string shared = env && *env ? env : "../shared";
  auto pts = read_points_npy(shared + "/data/splat/garden-points/means3d.npy");
  if (!pts) pts = read_points_npy("shared/data/splat/garden-points/means3d.npy");
  if (pts) {
    source = "garden";
  } else {
    source = "synthetic";
    pts = mx::random::uniform(mx::array(-5.0f), mx::array(5.0f), {138766, 3}, mx::float32, mx::random::key(1));
  }
  if (quick) pts = mx::slice(*pts, {0, 0}, {20000, 3});
  mx::eval(*pts);
  return *pts;
}

// Times fn(stream) with the sparse ops' portable path on the bench device's default stream, then
// with their CPU twins on a CPU stream (also when the bench runs on a GPU). Forcing is strict and
// limited to the sparse ops; core's helpers pick for themselves.
template <typename Fn>
void both_impls(BenchContext& ctx, const std::string& name, Fn fn) {
  for (Impl impl : {Impl::portable, Impl::cpu}) {
    const mx::Stream s = mx::default_stream(impl == Impl::cpu ? mx::Device::cpu : ctx.device());
    ScopedImpl scoped(impl, "sparse.");
    ctx.run(name, [&] { return fn(s); }, to_string(impl));
  }
}

void sparse_nn_suite(BenchContext& ctx) {
  std::string source;
  auto pts = load_points(ctx.quick, source);
  int n = pts.shape(0);
  // Two batches (first and second half) so the batch-aware key is exercised.
  auto batch = mx::astype(mx::greater_equal(mx::arange(n), mx::array(n / 2)), mx::int32);
  mx::eval(batch);
  const std::string size = " " + source + " N=" + std::to_string(n);

  for (float radius : {0.02f, 0.04f}) {
    RadiusSearchOptions opts;
    opts.radius = radius;
    auto probe = radius_search(pts, pts, opts, batch, batch);
    double per_query = static_cast<double>(probe.num_edges()) / n;
    std::string name = "radius_search R=" + std::to_string(radius).substr(0, 4) + size;
    both_impls(ctx, name, [&](mx::Stream s) {
      auto nl = radius_search(pts, pts, opts, batch, batch, s);
      return std::vector<mx::array>{nl.indices, nl.distances, nl.offsets};
    });
    for (auto it = ctx.results().end() - 2; it != ctx.results().end(); ++it) it->metrics["nbrs/query"] = per_query;
  }
  {
    RadiusSearchOptions opts;
    opts.radius = 0.04f;
    opts.max_neighbors = 16;
    both_impls(ctx, "radius_search R=0.04 cap=16" + size, [&](mx::Stream s) {
      auto nl = radius_search(pts, pts, opts, batch, batch, s);
      return std::vector<mx::array>{nl.indices, nl.offsets};
    });
  }
  // kNN for every 8th point as a query (the full cloud as queries takes minutes on the portable path).
  auto sub = mx::arange(0, n, 8, mx::int32);
  auto queries = mx::take(pts, sub, 0), query_batch = mx::take(batch, sub, 0);
  mx::eval(queries, query_batch);
  both_impls(ctx, "knn k=16 Q=" + std::to_string(queries.shape(0)) + size, [&](mx::Stream s) {
    auto r = knn_search(pts, queries, 16, batch, query_batch, s);
    return std::vector<mx::array>{r.indices, r.distances};
  });
  for (float voxel : {0.02f, 0.1f}) {
    auto& r = ctx.run("voxel_downsample s=" + std::to_string(voxel).substr(0, 4) + size, [&] {
      return std::vector<mx::array>{voxel_downsample(pts, VoxelDownsampleOptions{voxel}, batch)};
    });
    r.metrics["kept"] = static_cast<double>(voxel_downsample(pts, VoxelDownsampleOptions{voxel}, batch).size());
  }

  // Point conv 32 -> 32 channels over 27 taps on the same points.
  TripletOptions topts;
  topts.radius = 0.03f;
  topts.max_neighbors = 16;
  ctx.run("build_triplets R=0.03 cap=16" + size, [&] {
    auto t = build_triplets(pts, pts, topts, batch, batch);
    return std::vector<mx::array>{t.tap, t.input, t.output};
  }, "auto");
  auto t = build_triplets(pts, pts, topts, batch, batch);
  auto key = mx::random::key(3);
  auto x = mx::random::normal({n, 32}, mx::float32, 0, 1, key);
  auto w = mx::random::normal({27, 1, 32, 32}, mx::float32, 0, 0.05f, key);
  mx::eval(x, w);
  const std::string conv = "point_conv 32->32 T=" + std::to_string(t.size()) + size;
  // "auto": MVMR picks its own implementation (its CPU twin here).
  auto& fwd = ctx.run(conv + " fwd", [&] { return std::vector<mx::array>{point_conv(x, w, std::nullopt, t)}; }, "auto");
  fwd.metrics["GFLOP/s"] = 2.0 * t.size() * 32 * 32 / (fwd.median_ms * 1e6);
  auto loss = [&](const std::vector<mx::array>& in) { return mx::sum(mx::square(point_conv(in[0], in[1], std::nullopt, t))); };
  auto vg = mx::value_and_grad(loss, std::vector<int>{0, 1});
  ctx.run(conv + " fwd+bwd", [&] {
    auto [v, g] = vg({x, w});
    return std::vector<mx::array>{v, g[0], g[1]};
  }, "auto");
}
}  // namespace

ROBOMLX_BENCH_SUITE(sparse_nn, "radius search, kNN, voxel downsampling and point-conv steps on ~139k garden points",
                    sparse_nn_suite);

}  // namespace robomlx::sparse
