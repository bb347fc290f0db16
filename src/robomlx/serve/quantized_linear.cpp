// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/quantized_linear.h"

#include <stdexcept>
#include <string>

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/serve/quantized_linear_twins.h"

namespace robomlx::serve {

namespace {
constexpr const char* kTag = "serve.quantized_linear";

bool float_dtype(mx::Dtype d) { return d == mx::float32 || d == mx::float16 || d == mx::bfloat16; }

void validate(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases, int group_size,
              int bits) {
  auto fail = [](const std::string& why) { throw std::invalid_argument("serve.quantized_linear: " + why); };
  if (bits != 4 && bits != 8) fail("bits must be 4 or 8, got " + std::to_string(bits));
  if (group_size != 32 && group_size != 64 && group_size != 128) fail("group_size must be 32, 64 or 128");
  if (w.ndim() != 2 || w.dtype() != mx::uint32) fail("w must be uint32 [N, K * bits / 32]");
  if (x.ndim() < 1 || !float_dtype(x.dtype())) fail("x must be float32, float16 or bfloat16 [..., K]");
  const int n = w.shape(0), k = w.shape(1) * 32 / bits;
  if (x.shape(-1) != k) fail("x has " + std::to_string(x.shape(-1)) + " features, w holds " + std::to_string(k));
  for (const auto* a : {&scales, &biases}) {
    if (a->ndim() != 2 || a->shape(0) != n || a->shape(1) * group_size != k || !float_dtype(a->dtype()))
      fail("scales and biases must be float [N, K / group_size]");
  }
}
}  // namespace

namespace detail {
mx::array quantized_linear_portable(const mx::array& x, const mx::array& w, const mx::array& scales,
                                    const mx::array& biases, int group_size, int bits, mx::Stream s) {
  return mx::astype(mx::quantized_matmul(x, w, scales, biases, true, group_size, bits, "affine", s), x.dtype(), s);
}
}  // namespace detail

mx::array quantized_linear(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                           int group_size, int bits, mx::StreamOrDevice s) {
  validate(x, w, scales, biases, group_size, bits);
  const mx::Stream stream = op_stream(s);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true})) {
    case Impl::cpu: return detail::quantized_linear_cpu(x, w, scales, biases, group_size, bits, stream);
    default: return detail::quantized_linear_portable(x, w, scales, biases, group_size, bits, stream);
  }
}

}  // namespace robomlx::serve
