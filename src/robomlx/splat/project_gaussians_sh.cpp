// SPDX-License-Identifier: Apache-2.0
// Real spherical harmonics up to degree 3 in graphdeco's constants and basis order (the order of
// the PLY's f_rest coefficients, so it must not change).
#include <vector>

#include <mlx/ops.h>

#include "robomlx/splat/project_gaussians_internal.h"

namespace robomlx::splat::detail {

namespace {
constexpr float kC0 = 0.28209479177387814f;
constexpr float kC1 = 0.4886025119029199f;
constexpr float kC2[] = {1.0925484305920792f, -1.0925484305920792f, 0.31539156525252005f, -1.0925484305920792f,
                         0.5462742152960396f};
constexpr float kC3[] = {-0.5900435899266435f, 2.890611442640554f, -0.4570457994644658f, 0.3731763325901154f,
                         -0.4570457994644658f, 1.445305721320277f, -0.5900435899266435f};
}  // namespace

mx::array sh_to_color(const mx::array& shs, const mx::array& dirs, int degree, mx::Stream s) {
  auto c = [&](float v) { return mx::array(v); };
  auto coef = [&](int k) { return mx::squeeze(mx::slice(shs, {0, k, 0}, {shs.shape(0), k + 1, 3}, s), 1, s); };
  const int n = dirs.shape(0);
  auto col = [&](int i) { return mx::slice(dirs, {0, i}, {n, i + 1}, s); };  // [N, 1]
  mx::array result = mx::multiply(c(kC0), coef(0), s);
  if (degree > 0) {
    auto x = col(0), y = col(1), z = col(2);
    auto mul = [&](const mx::array& a, const mx::array& b) { return mx::multiply(a, b, s); };
    std::vector<mx::array> basis = {mul(c(-kC1), y), mul(c(kC1), z), mul(c(-kC1), x)};
    if (degree > 1) {
      auto xx = mul(x, x), yy = mul(y, y), zz = mul(z, z), xy = mul(x, y), yz = mul(y, z), xz = mul(x, z);
      basis.push_back(mul(c(kC2[0]), xy));
      basis.push_back(mul(c(kC2[1]), yz));
      basis.push_back(mul(c(kC2[2]), mx::subtract(mx::subtract(mul(c(2.0f), zz), xx, s), yy, s)));
      basis.push_back(mul(c(kC2[3]), xz));
      basis.push_back(mul(c(kC2[4]), mx::subtract(xx, yy, s)));
      if (degree > 2) {
        auto sub = [&](const mx::array& a, const mx::array& b) { return mx::subtract(a, b, s); };
        basis.push_back(mul(c(kC3[0]), mul(y, sub(mul(c(3.0f), xx), yy))));
        basis.push_back(mul(c(kC3[1]), mul(xy, z)));
        basis.push_back(mul(c(kC3[2]), mul(y, sub(sub(mul(c(4.0f), zz), xx), yy))));
        basis.push_back(mul(c(kC3[3]), mul(z, sub(sub(mul(c(2.0f), zz), mul(c(3.0f), xx)), mul(c(3.0f), yy)))));
        basis.push_back(mul(c(kC3[4]), mul(x, sub(sub(mul(c(4.0f), zz), xx), yy))));
        basis.push_back(mul(c(kC3[5]), mul(z, sub(xx, yy))));
        basis.push_back(mul(c(kC3[6]), mul(x, sub(xx, mul(c(3.0f), yy)))));
      }
    }
    for (size_t k = 0; k < basis.size(); ++k)
      result = mx::add(result, mul(basis[k], coef(static_cast<int>(k) + 1)), s);
  }
  return mx::maximum(mx::add(result, c(0.5f), s), c(0.0f), s);
}

}  // namespace robomlx::splat::detail
