// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/rms_norm.h"

#include <stdexcept>
#include <string>

#include <mlx/fast.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/serve/rms_norm_twins.h"

namespace robomlx::serve {

namespace {
constexpr const char* kTag = "serve.rms_norm";

void validate(const mx::array& x, const mx::array& weight, float eps) {
  auto fail = [](const std::string& why) { throw std::invalid_argument("serve.rms_norm: " + why); };
  if (x.dtype() != mx::float32 && x.dtype() != mx::float16 && x.dtype() != mx::bfloat16)
    fail("x must be float32, float16 or bfloat16");
  if (x.ndim() < 1 || x.shape(-1) < 1) fail("x must be [..., D] with D > 0");
  if (weight.ndim() != 1 || weight.shape(0) != x.shape(-1)) fail("weight must be [D], D = x's last axis");
  if (weight.dtype() != x.dtype()) fail("weight must have x's dtype");
  if (!(eps >= 0)) fail("eps must be >= 0");
}
}  // namespace

namespace detail {
mx::array rms_norm_portable(const mx::array& x, const mx::array& weight, float eps, mx::Stream s) {
  return mx::fast::rms_norm(x, weight, eps, s);
}
}  // namespace detail

mx::array rms_norm(const mx::array& x, const mx::array& weight, float eps, mx::StreamOrDevice s) {
  validate(x, weight, eps);
  const mx::Stream stream = op_stream(s);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true})) {
    case Impl::cpu: return detail::rms_norm_cpu(x, weight, eps, stream);
    default: return detail::rms_norm_portable(x, weight, eps, stream);
  }
}

}  // namespace robomlx::serve
