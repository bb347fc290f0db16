// SPDX-License-Identifier: Apache-2.0
// splat.blend through the public blend_tiles(), each implementation forced (portable, CPU twin,
// CUDA twin on a GPU run, Metal twin on a Mac), against the plain loops of blend_reference.h:
//   * forward color / inv_depth / alpha within 1e-5 of the largest reference value (float32 sums
//     against double; the portable path sums with matmuls);
//   * backward (cotangents of all three images, background on) within 2e-5 for the CPU twin and
//     1e-4 for the portable path (autodiff through cumprod) and the GPU twins (atomics, float32),
//     of each gradient array's largest entry, against the analytic loop.
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "blend_reference.h"
#include "robomlx/splat/blend_tiles.h"
#include "splat_test_util.h"
#include "support.h"

namespace robomlx::splat {
namespace {

using test::host;

mx::array f32(const std::vector<float>& v, mx::Shape shape) { return mx::array(v.data(), std::move(shape), mx::float32); }
mx::array f32(const std::vector<double>& v, mx::Shape shape) {
  return f32(std::vector<float>(v.begin(), v.end()), std::move(shape));
}

class BlendImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "splat.blend"; }

  std::vector<mx::array> blend(const blend_ref::Scene& sc, const std::vector<mx::array>& p) {
    const int r = static_cast<int>(sc.point_list.size()), t = sc.tiles_x() * sc.tiles_y();
    auto out = blend_tiles(p[0], p[1], p[2], p[3], p[4], mx::array(sc.point_list.data(), {r}, mx::int32),
                           mx::array(sc.tile_ranges.data(), {t, 2}, mx::int32), {sc.width, sc.height, sc.background},
                           stream());
    return {out.color, out.inv_depth, out.alpha};
  }
  std::vector<mx::array> primals(const blend_ref::Scene& sc) {
    const int n = sc.n();
    return {f32(sc.means2d, {n, 2}), f32(sc.conics, {n, 3}), f32(sc.opacities, {n}), f32(sc.colors, {n, 3}),
            f32(sc.inv_depths, {n})};
  }
};

TEST_P(BlendImpl, ForwardMatchesPlainLoop) {
  for (auto [n, w, h] : {std::tuple{60, 48, 40}, std::tuple{150, 70, 37}}) {
    const auto sc = blend_ref::random_scene(n, w, h, 100 + n);
    const auto want = blend_ref::forward(sc, blend_ref::params_of(sc));
    const auto got = blend(sc, primals(sc));
    EXPECT_LT(blend_ref::relative_error(host<float>(got[0]), want.color), 1e-5) << w << "x" << h;
    EXPECT_LT(blend_ref::relative_error(host<float>(got[1]), want.inv_depth), 1e-5) << w << "x" << h;
    EXPECT_LT(blend_ref::relative_error(host<float>(got[2]), want.alpha), 1e-5) << w << "x" << h;
  }
}

TEST_P(BlendImpl, BackwardMatchesAnalyticLoop) {
  const auto sc = blend_ref::random_scene(120, 64, 50, 77);
  const auto g = blend_ref::random_cotangents(sc, 78);
  const auto want = blend_ref::backward(sc, blend_ref::params_of(sc), g);
  const int H = sc.height, W = sc.width;
  auto [outs, grads] = mx::vjp([&](const std::vector<mx::array>& p) { return blend(sc, p); }, primals(sc),
                               {f32(g.color, {3, H, W}), f32(g.inv_depth, {1, H, W}), f32(g.alpha, {1, H, W})});
  const double tol = GetParam() == Impl::cpu ? 2e-5 : 1e-4;
  const char* names[] = {"means2d", "conics", "opacities", "colors", "inv_depths"};
  for (int a = 0; a < 5; ++a)
    EXPECT_LT(blend_ref::relative_error(host<float>(grads[a]), *want.all()[a]), tol) << "d/d " << names[a];
}

INSTANTIATE_TEST_SUITE_P(Impls, BlendImpl, ::testing::Values(Impl::portable, Impl::cpu, Impl::cuda, Impl::metal),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace robomlx::splat
