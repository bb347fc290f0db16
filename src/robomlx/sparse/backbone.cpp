// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/backbone.h"

#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/sparse/segment_reduce.h"
#include "robomlx/sparse/voxel.h"

namespace robomlx::sparse {

namespace {
constexpr const char* kTag = "sparse.backbone";

// Walks the flat parameter list in creation order.
struct ParamCursor {
  const std::vector<mx::array>& params;
  size_t next = 0;
  const mx::array& take() { return params.at(next++); }
};

// Ragged LayerNorm (upstream RaggedLayerNorm): each sample is normalised over all its points and
// channels, then a per-channel affine. Unlike a per-point LayerNorm it keeps the relative
// magnitudes of points within a sample, which carry the shape.
mx::array norm_relu(ParamCursor& p, const mx::array& x, const Level& level, int num_samples, bool relu = true) {
  const auto& g = p.take();
  const auto& b = p.take();
  int n = x.shape(0), c = x.shape(1);
  auto rows = [&](const mx::array& v) {
    return mx::scatter_add(mx::zeros({num_samples}, v.dtype()), level.batch, mx::reshape(v, {n, 1}), 0);
  };
  auto count = mx::multiply(rows(mx::ones({n}, x.dtype())), mx::array(static_cast<float>(c), x.dtype()));
  count = mx::maximum(count, mx::array(1.0f, x.dtype()));
  auto mean = mx::take(mx::divide(rows(mx::sum(x, 1)), count), level.batch, 0);
  auto centred = mx::subtract(x, mx::expand_dims(mean, 1));
  auto var = mx::take(mx::divide(rows(mx::sum(mx::square(centred), 1)), count), level.batch, 0);
  auto y = mx::multiply(centred, mx::expand_dims(mx::rsqrt(mx::add(var, mx::array(1e-5f, x.dtype()))), 1));
  y = mx::add(mx::multiply(y, g), b);
  return relu ? mx::maximum(y, mx::array(0.0f, y.dtype())) : y;
}
}  // namespace

void BackboneConfig::validate() const {
  check_range(kTag, "in_channels", in_channels, 1, 4096);
  check_range(kTag, "num_classes", num_classes, 2, 100000);
  check_range(kTag, "stem_channels", stem_channels, 1, 4096);
  for (int c : stage_channels) check_range(kTag, "stage_channels", c, 1, 4096);
  check_range(kTag, "stem_radius", stem_radius, 1e-9, 1e9);
  check_range(kTag, "first_voxel", first_voxel, 1e-9, 1e9);
  check_range(kTag, "radius_factor", radius_factor, 1e-3, 1e3);
  check_range(kTag, "max_neighbors", max_neighbors, 0, 1 << 20);
}

BackboneGeometry build_backbone_geometry(const mx::array& points, const mx::array& batch, int num_samples,
                                         const BackboneConfig& config) {
  config.validate();
  BackboneGeometry geo;
  geo.num_samples = num_samples;
  check_ndim(kTag, "batch", batch, 1);
  if (batch.shape(0) != points.shape(0)) fail_argument(kTag, "batch must have one id per point");
  auto ids = mx::astype(batch, mx::int32);
  // Samples must be stored one after another (non-decreasing ids), like upstream's ragged batches:
  // downsampling keeps ascending indices, so every level stays sample-contiguous.
  int n = points.shape(0);
  if (n > 1) {
    bool sorted = mx::all(mx::less_equal(mx::slice(ids, {0}, {n - 1}), mx::slice(ids, {1}, {n}))).item<bool>();
    if (!sorted) fail_argument(kTag, "batch ids must be non-decreasing (samples stored one after another)");
  }
  if (n > 0) {
    int lo = mx::min(ids).item<int>(), hi = mx::max(ids).item<int>();
    if (lo < 0 || hi >= num_samples) {
      fail_argument(kTag, "batch ids must be in [0, " + std::to_string(num_samples) + "), got [" + std::to_string(lo) +
                              ", " + std::to_string(hi) + "]");
    }
  }
  geo.levels.push_back(Level{points, ids});
  auto triplets = [&](const Level& in, const Level& out, float radius) {
    TripletOptions opts{radius, config.kernel_size, config.max_neighbors};
    return build_triplets(in.points, out.points, opts, in.batch, out.batch);
  };
  geo.stem = triplets(geo.levels[0], geo.levels[0], config.stem_radius);
  float voxel = config.first_voxel;
  for (int s = 1; s <= 4; ++s, voxel *= 2) {
    const Level& prev = geo.levels.back();
    auto keep = voxel_downsample(prev.points, VoxelDownsampleOptions{voxel}, prev.batch);
    Level next{mx::take(prev.points, keep, 0), mx::take(prev.batch, keep, 0)};
    mx::eval(next.points, next.batch);
    geo.down.push_back(triplets(prev, next, config.radius_factor * voxel));
    geo.same.push_back(triplets(next, next, config.radius_factor * voxel));
    geo.levels.push_back(next);
  }
  const auto& last = geo.levels.back().batch;
  geo.last_lengths = mx::scatter_add(mx::zeros({num_samples}, mx::int32), last, mx::ones({last.shape(0), 1}, mx::int32), 0);
  if (mx::min(geo.last_lengths).item<int>() < 1) fail_argument(kTag, "every sample in [0, num_samples) needs points");
  return geo;
}

Backbone Backbone::create(const BackboneConfig& config, uint64_t seed) {
  config.validate();
  Backbone net;
  net.config = config;
  auto key = mx::random::key(seed);
  int taps = config.kernel_size * config.kernel_size * config.kernel_size;
  auto add_conv = [&](const std::string& name, int cin, int cout) {
    auto [k, sub] = mx::random::split(key);
    key = k;
    // Kaiming fan-in over the taps a neighbourhood actually fills (~1/3 of K for surfaces).
    float std = std::sqrt(2.0f / (cin * std::max(1.0f, taps / 3.0f)));
    net.names.push_back(name + ".weight");
    net.params.push_back(mx::random::normal({taps, 1, cin, cout}, mx::float32, 0, std, sub));
    net.names.push_back(name + ".norm.weight");
    net.params.push_back(mx::ones({cout}));
    net.names.push_back(name + ".norm.bias");
    net.params.push_back(mx::zeros({cout}));
  };
  add_conv("stem", config.in_channels, config.stem_channels);
  int c = config.stem_channels;
  for (int s = 0; s < 4; ++s) {
    std::string stage = "stage" + std::to_string(s + 1);
    int cout = config.stage_channels[s];
    add_conv(stage + ".down", c, cout);
    add_conv(stage + ".block.conv1", cout, cout);
    add_conv(stage + ".block.conv2", cout, cout);
    c = cout;
  }
  auto [k, sub] = mx::random::split(key);
  net.names.push_back("head.weight");
  net.params.push_back(mx::multiply(mx::random::normal({c, config.num_classes}, mx::float32, 0, 1, sub), mx::array(0.1f / std::sqrt(float(c)))));
  net.names.push_back("head.bias");
  net.params.push_back(mx::zeros({config.num_classes}));
  mx::eval(net.params);
  return net;
}

mx::array Backbone::forward(const std::vector<mx::array>& params, const mx::array& features,
                            const BackboneGeometry& geo) const {
  if (params.size() != this->params.size()) {
    fail_argument(kTag, "params must hold " + std::to_string(this->params.size()) + " arrays, got " +
                            std::to_string(params.size()));
  }
  check_shape(kTag, "features", features, {geo.levels[0].points.shape(0), config.in_channels});
  ParamCursor p{params};
  auto conv = [&](const mx::array& x, const ConvTriplets& t) { return point_conv(x, p.take(), std::nullopt, t); };
  int b = geo.num_samples;
  auto x = norm_relu(p, conv(features, geo.stem), geo.levels[0], b);
  for (int s = 0; s < 4; ++s) {
    const Level& level = geo.levels[s + 1];
    x = norm_relu(p, conv(x, geo.down[s]), level, b);
    auto h = norm_relu(p, conv(x, geo.same[s]), level, b);
    h = norm_relu(p, conv(h, geo.same[s]), level, b, /*relu=*/false);
    x = mx::maximum(mx::add(x, h), mx::array(0.0f, x.dtype()));
  }
  // Global mean pool per sample: the last level is sample-contiguous (checked when the geometry
  // is built), so it is one contiguous segment mean.
  auto pooled = segment_reduce(x, geo.last_lengths, ReduceOp::mean, IndexCheck::none);
  const auto& w = p.take();
  const auto& bias = p.take();
  return mx::add(mx::matmul(pooled, w), bias);
}

mx::array cross_entropy(const mx::array& logits, const mx::array& labels) {
  auto lse = mx::logsumexp(logits, 1);
  auto picked = mx::squeeze(mx::take_along_axis(logits, mx::expand_dims(mx::astype(labels, mx::int32), 1), 1), 1);
  return mx::mean(mx::subtract(lse, picked));
}

}  // namespace robomlx::sparse
