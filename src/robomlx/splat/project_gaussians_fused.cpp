// SPDX-License-Identifier: Apache-2.0
// splat.project compiled: the forward and the backward are each traced once per (SH degree,
// antialiased) and per N (MLX recompiles on a new shape), with the camera passed as a
// [kCameraTerms] input so that a new view reuses the same kernels.
#include <map>
#include <mutex>
#include <utility>

#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/splat/project_gaussians_internal.h"

namespace robomlx::splat::detail {

namespace {

using Fn = std::function<std::vector<mx::array>(const std::vector<mx::array>&)>;
constexpr int kPrimals = 7;        // means3d, scales, rotations, opacities, shs, screen_offsets, camera terms
constexpr int kFloatOutputs = 5;   // means2d, conics, opacities, colors, depths (radii, rects: integers)

std::vector<mx::array> unpack_terms(const mx::array& terms, mx::Stream s) {
  std::vector<mx::array> k;
  k.reserve(kCameraTerms);
  for (int i = 0; i < kCameraTerms; ++i) k.push_back(mx::reshape(mx::slice(terms, {i}, {i + 1}, s), {}, s));
  return k;
}

std::vector<mx::array> float_outputs(const ProjectedGaussians& p) {
  return {p.means2d, p.conics, p.opacities, p.colors, p.depths};
}

struct Variant {
  Fn forward, backward;
};

// mx::compile runs the plain function when any input is a tracer, which every primal is inside
// value_and_grad. The custom VJP hides what happens inside its forward and backward from the outer
// transform, so both get inputs that are new graph nodes marked as non-tracers, and compile fuses
// them (this is also why a second-order derivative through this op is not supported).
Fn untraced(Fn f, mx::Stream s) {
  return [f = std::move(f), s](const std::vector<mx::array>& in) {
    std::vector<mx::array> plain;
    plain.reserve(in.size());
    for (const auto& x : in) {
      plain.push_back(mx::stop_gradient(x, s));
      plain.back().set_tracer(false);
    }
    return f(plain);
  };
}

Variant make_variant(ProjectionShape shape, mx::Stream s) {
  Fn forward = [shape, s](const std::vector<mx::array>& in) {
    const auto p = project_gaussians_body(in[0], in[1], in[2], in[3], in[4], in[5], unpack_terms(in[6], s), shape, s);
    auto out = float_outputs(p);
    out.push_back(p.radii);
    out.push_back(p.tile_rects);
    return out;
  };
  Fn backward = [shape, s](const std::vector<mx::array>& in) {
    const std::vector<mx::array> primals(in.begin(), in.begin() + kPrimals - 1);
    const std::vector<mx::array> cotangents(in.begin() + kPrimals, in.end());
    const auto terms = unpack_terms(in[kPrimals - 1], s);
    auto f = [&](const std::vector<mx::array>& x) {
      return float_outputs(project_gaussians_body(x[0], x[1], x[2], x[3], x[4], x[5], terms, shape, s));
    };
    return mx::vjp(f, primals, cotangents).second;
  };
  return {untraced(mx::compile(forward), s), untraced(mx::compile(backward), s)};
}

const Variant& variant(ProjectionShape shape, mx::Stream s) {
  // Compiled functions are created once per variant and stream and kept: MLX caches its traces by
  // function identity (mlx-cpp-guide 4.3).
  static std::mutex mutex;
  static std::map<std::tuple<int, bool, int, int>, Variant> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(shape.sh_degree, shape.antialiased, static_cast<int>(s.device.type), s.index);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make_variant(shape, s)).first;
  return it->second;
}

}  // namespace

ProjectedGaussians project_gaussians_fused(const mx::array& means3d, const mx::array& scales,
                                           const mx::array& rotations, const mx::array& opacities,
                                           const mx::array& shs, const mx::array& screen_offsets,
                                           const ProjectionSettings& settings, mx::Stream s) {
  const ProjectionShape shape{settings.sh_degree, settings.antialiased};
  const Variant& v = variant(shape, s);
  const auto terms_host = camera_terms(settings);
  const mx::array terms(terms_host.data(), {kCameraTerms}, mx::float32);
  Fn backward = v.backward;
  auto fn = mx::custom_vjp(v.forward, [backward](const std::vector<mx::array>& primals,
                                                 const std::vector<mx::array>& cotangents,
                                                 const std::vector<mx::array>&) {
    std::vector<mx::array> in(primals);
    for (int i = 0; i < kFloatOutputs; ++i) in.push_back(cotangents[i]);
    auto grads = backward(in);
    grads.push_back(mx::zeros_like(primals[kPrimals - 1]));  // the camera: no gradient asked for
    return grads;
  });
  // shs is sliced to the coefficients the degree uses so that the graph does not depend on how
  // many the scene stores.
  const int used = (settings.sh_degree + 1) * (settings.sh_degree + 1), n = means3d.shape(0);
  const auto sh_used = shs.shape(1) == used ? shs : mx::slice(shs, {0, 0, 0}, {n, used, 3}, s);
  auto out = fn({means3d, scales, rotations, opacities, sh_used, screen_offsets, terms});
  return {out[0], out[1], out[2], out[3], out[4], out[5], out[6]};
}

}  // namespace robomlx::splat::detail
