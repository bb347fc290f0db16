// SPDX-License-Identifier: Apache-2.0
// The gated MLP activations of the decoder models (cached_decoder_internal.h).
#include <cmath>

#include <mlx/ops.h>

#include "robomlx/core/fused_internal.h"
#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {

namespace {
using Gated = mx::array (*)(const mx::array&, const mx::array&, mx::StreamOrDevice);

// silu(g) * u (Llama's SwiGLU).
mx::array swiglu_ops(const mx::array& g, const mx::array& u, mx::StreamOrDevice s) {
  return mx::multiply(mx::multiply(g, mx::sigmoid(g, s), s), u, s);
}

// GELU, tanh approximation (Gemma's hidden_activation gelu_pytorch_tanh), times u.
mx::array geglu_tanh_ops(const mx::array& g, const mx::array& u, mx::StreamOrDevice s) {
  const auto dt = g.dtype();
  const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
  mx::array inner = mx::multiply(mx::array(k, dt), mx::add(g, mx::multiply(mx::array(0.044715f, dt), mx::power(g, mx::array(3.0f, dt), s), s), s), s);
  mx::array gelu = mx::multiply(mx::multiply(mx::array(0.5f, dt), g, s), mx::add(mx::array(1.0f, dt), mx::tanh(inner, s), s), s);
  return mx::multiply(gelu, u, s);
}

// F(g, u) as run_fused's list function: one fused elementwise kernel on the thread's default stream
// (the same ops in the same dtype; the kernel's compiler may contract a product into an fma, an
// ulp-level difference), op by op on any other stream.
template <Gated F>
std::vector<mx::array> fused_list(const std::vector<mx::array>& in, mx::StreamOrDevice s) {
  return {F(in[0], in[1], s)};
}

template <Gated F>
mx::array fused(const mx::array& g, const mx::array& u, mx::Stream s) {
  return robomlx::detail::run_fused<fused_list<F>>({g, u}, s)[0];
}
}  // namespace

mx::array swiglu(const mx::array& g, const mx::array& u, mx::Stream s) { return fused<swiglu_ops>(g, u, s); }

mx::array geglu_tanh(const mx::array& g, const mx::array& u, mx::Stream s) { return fused<geglu_tanh_ops>(g, u, s); }

}  // namespace robomlx::serve
