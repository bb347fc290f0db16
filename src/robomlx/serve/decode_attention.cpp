// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/decode_attention.h"

#include <stdexcept>
#include <string>

#include <mlx/fast.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/serve/decode_attention_twins.h"

namespace robomlx::serve {

namespace {
constexpr const char* kTag = "serve.decode_attention";

void validate(const mx::array& q, const mx::array& k, const mx::array& v, const std::optional<mx::array>& mask) {
  auto fail = [](const std::string& why) { throw std::invalid_argument("serve.decode_attention: " + why); };
  if (q.dtype() != mx::float32 && q.dtype() != mx::float16 && q.dtype() != mx::bfloat16)
    fail("q must be float32, float16 or bfloat16");
  if (k.dtype() != q.dtype() || v.dtype() != q.dtype()) fail("keys and values must have q's dtype");
  if (q.ndim() != 4 || q.shape(2) != 1) fail("q must be [B, H, 1, D]");
  if (k.ndim() != 4 || k.shape() != v.shape()) fail("keys and values must be [B, Hkv, L, D], the same shape");
  const int B = q.shape(0), H = q.shape(1), D = q.shape(3), Hkv = k.shape(1), L = k.shape(2);
  if (k.shape(0) != B || k.shape(3) != D) fail("keys must be [B, Hkv, L, D] with q's B and D");
  if (Hkv < 1 || H % Hkv != 0) fail("q's heads must be a multiple of the key/value heads");
  if (L < 1 || D < 1) fail("keys must hold at least one column of at least one value");
  if (mask) {
    const auto& m = *mask;
    if (m.dtype() != mx::bool_ || m.ndim() != 4 || (m.shape(0) != B && m.shape(0) != 1) || m.shape(1) != 1 || m.shape(2) != 1 ||
        m.shape(3) != L)
      fail("mask must be bool [B or 1, 1, 1, L]");
  }
}
}  // namespace

namespace detail {
mx::array decode_attention_portable(const mx::array& q, const mx::array& keys, const mx::array& values, float scale,
                                    const std::optional<mx::array>& mask, mx::Stream s) {
  if (mask) return mx::fast::scaled_dot_product_attention(q, keys, values, scale, "array", *mask, {}, false, s);
  return mx::fast::scaled_dot_product_attention(q, keys, values, scale, "", {}, {}, false, s);
}
}  // namespace detail

mx::array decode_attention(const mx::array& q, const mx::array& keys, const mx::array& values, float scale,
                           const std::optional<mx::array>& mask, mx::StreamOrDevice s) {
  validate(q, keys, values, mask);
  const mx::Stream stream = op_stream(s);
  switch (choose_impl(kTag, stream, ImplSet{.cpu = true})) {
    case Impl::cpu: return detail::decode_attention_cpu(q, keys, values, scale, mask, stream);
    default: return detail::decode_attention_portable(q, keys, values, scale, mask, stream);
  }
}

}  // namespace robomlx::serve
