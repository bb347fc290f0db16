// SPDX-License-Identifier: Apache-2.0
// The gated MLP activations of the decoder models (cached_decoder_internal.h).
#include <cmath>

#include <mlx/compile.h>
#include <mlx/ops.h>

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

// F as one fused elementwise kernel (mx::compile): the same ops in the same dtype (the kernel's
// compiler may contract a product into an fma: an ulp-level difference). A compiled graph runs on
// the stream it was traced on, so it is used only when s is the thread's default stream; on any
// other stream F runs op by op. Compiled once per thread, traced again per shape and dtype. On the
// CPU the fused kernel needs g++ at run time (without it MLX runs the ops unfused).
template <Gated F>
mx::array fused(const mx::array& g, const mx::array& u, mx::Stream s) {
  if (s != mx::default_stream(mx::default_device())) return F(g, u, s);
  thread_local auto fn = mx::compile(+[](const std::vector<mx::array>& in) { return std::vector<mx::array>{F(in[0], in[1], {})}; });
  return fn({g, u})[0];
}
}  // namespace

mx::array swiglu(const mx::array& g, const mx::array& u, mx::Stream s) { return fused<swiglu_ops>(g, u, s); }

mx::array geglu_tanh(const mx::array& g, const mx::array& u, mx::Stream s) { return fused<geglu_tanh_ops>(g, u, s); }

}  // namespace robomlx::serve
