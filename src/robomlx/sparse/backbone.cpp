// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sparse/backbone.h"

#include <cmath>
#include <string>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/dispatch.h"
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
mx::array norm_relu(ParamCursor& p, const mx::array& x, const Level& level, int num_samples, bool relu,
                    mx::Stream s) {
  const auto& g = p.take();
  const auto& b = p.take();
  int n = x.shape(0), c = x.shape(1);
  auto rows = [&](const mx::array& v) {
    return mx::scatter_add(mx::zeros({num_samples}, v.dtype(), s), level.batch, mx::reshape(v, {n, 1}, s), 0, s);
  };
  auto count = mx::multiply(rows(mx::ones({n}, x.dtype(), s)), mx::array(static_cast<float>(c), x.dtype()), s);
  count = mx::maximum(count, mx::array(1.0f, x.dtype()), s);
  auto row_sum = [&](const mx::array& v) { return mx::sum(v, 1, false, s); };
  auto mean = mx::take(mx::divide(rows(row_sum(x)), count, s), level.batch, 0, s);
  auto centred = mx::subtract(x, mx::expand_dims(mean, 1, s), s);
  auto var = mx::take(mx::divide(rows(row_sum(mx::square(centred, s))), count, s), level.batch, 0, s);
  auto inv_std = mx::rsqrt(mx::add(var, mx::array(1e-5f, x.dtype()), s), s);
  auto y = mx::multiply(centred, mx::expand_dims(inv_std, 1, s), s);
  y = mx::add(mx::multiply(y, g, s), b, s);
  return relu ? mx::maximum(y, mx::array(0.0f, y.dtype()), s) : y;
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
                                         const BackboneConfig& config, mx::StreamOrDevice stream_or_device) {
  const mx::Stream s = op_stream(stream_or_device);
  config.validate();
  BackboneGeometry geo;
  geo.num_samples = num_samples;
  check_ndim(kTag, "batch", batch, 1);
  if (batch.shape(0) != points.shape(0)) fail_argument(kTag, "batch must have one id per point");
  auto ids = mx::astype(batch, mx::int32, s);
  // Samples must be stored one after another (non-decreasing ids), like upstream's ragged batches:
  // downsampling keeps ascending indices, so every level stays sample-contiguous.
  int n = points.shape(0);
  if (n > 1) {
    bool sorted =
        mx::all(mx::less_equal(mx::slice(ids, {0}, {n - 1}, s), mx::slice(ids, {1}, {n}, s), s), s).item<bool>();
    if (!sorted) fail_argument(kTag, "batch ids must be non-decreasing (samples stored one after another)");
  }
  if (n > 0) {
    int lo = mx::min(ids, s).item<int>(), hi = mx::max(ids, s).item<int>();
    if (lo < 0 || hi >= num_samples) {
      fail_argument(kTag, "batch ids must be in [0, " + std::to_string(num_samples) + "), got [" + std::to_string(lo) +
                              ", " + std::to_string(hi) + "]");
    }
  }
  geo.levels.push_back(Level{points, ids});
  auto triplets = [&](const Level& in, const Level& out, float radius) {
    TripletOptions opts{radius, config.kernel_size, config.max_neighbors};
    return build_triplets(in.points, out.points, opts, in.batch, out.batch, s);
  };
  geo.stem = triplets(geo.levels[0], geo.levels[0], config.stem_radius);
  float voxel = config.first_voxel;
  for (int stage = 1; stage <= 4; ++stage, voxel *= 2) {
    const Level& prev = geo.levels.back();
    auto keep = voxel_downsample(prev.points, VoxelDownsampleOptions{voxel}, prev.batch, s);
    Level next{mx::take(prev.points, keep, 0, s), mx::take(prev.batch, keep, 0, s)};
    mx::eval(next.points, next.batch);
    geo.down.push_back(triplets(prev, next, config.radius_factor * voxel));
    geo.same.push_back(triplets(next, next, config.radius_factor * voxel));
    geo.levels.push_back(next);
  }
  const auto& last = geo.levels.back().batch;
  geo.last_lengths = mx::scatter_add(mx::zeros({num_samples}, mx::int32, s), last,
                                     mx::ones({last.shape(0), 1}, mx::int32, s), 0, s);
  if (mx::min(geo.last_lengths, s).item<int>() < 1) {
    fail_argument(kTag, "every sample in [0, num_samples) needs points");
  }
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
                            const BackboneGeometry& geo, mx::StreamOrDevice stream_or_device) const {
  const mx::Stream s = op_stream(stream_or_device);
  if (params.size() != this->params.size()) {
    fail_argument(kTag, "params must hold " + std::to_string(this->params.size()) + " arrays, got " +
                            std::to_string(params.size()));
  }
  check_shape(kTag, "features", features, {geo.levels[0].points.shape(0), config.in_channels});
  ParamCursor p{params};
  auto conv = [&](const mx::array& x, const ConvTriplets& t) { return point_conv(x, p.take(), std::nullopt, t, s); };
  int b = geo.num_samples;
  auto x = norm_relu(p, conv(features, geo.stem), geo.levels[0], b, /*relu=*/true, s);
  for (int stage = 0; stage < 4; ++stage) {
    const Level& level = geo.levels[stage + 1];
    x = norm_relu(p, conv(x, geo.down[stage]), level, b, /*relu=*/true, s);
    auto h = norm_relu(p, conv(x, geo.same[stage]), level, b, /*relu=*/true, s);
    h = norm_relu(p, conv(h, geo.same[stage]), level, b, /*relu=*/false, s);
    x = mx::maximum(mx::add(x, h, s), mx::array(0.0f, x.dtype()), s);
  }
  // Global mean pool per sample: the last level is sample-contiguous (checked when the geometry
  // is built), so it is one contiguous segment mean.
  auto pooled = segment_reduce(x, geo.last_lengths, ReduceOp::mean, IndexCheck::none, s);
  const auto& w = p.take();
  const auto& bias = p.take();
  return mx::add(mx::matmul(pooled, w, s), bias, s);
}

mx::array cross_entropy(const mx::array& logits, const mx::array& labels, mx::StreamOrDevice stream_or_device) {
  const mx::Stream s = op_stream(stream_or_device);
  auto lse = mx::logsumexp(logits, 1, false, s);
  auto label_col = mx::expand_dims(mx::astype(labels, mx::int32, s), 1, s);
  auto picked = mx::squeeze(mx::take_along_axis(logits, label_col, 1, s), 1, s);
  return mx::mean(mx::subtract(lse, picked, s), s);
}

}  // namespace robomlx::sparse
