// SPDX-License-Identifier: Apache-2.0
// CPU twins of the depth <-> disparity transforms (disparity_twins.h): one threaded pass each
// (custom Primitives) instead of the portable path's chain of whole-image MLX ops on one thread.
#include "robomlx/depth/disparity_twins.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/parallel.h"

namespace robomlx::depth {

namespace {

// Elementwise pass over n items split across threads; small images stay on one thread.
template <typename Fn>
void for_each_chunk(std::int64_t n, const Fn& fn) {
  parallel_for(n, 1 << 16, [&](std::int64_t lo, std::int64_t hi) { fn(lo, hi); });
}

class DisparityCpu : public mx::UnaryPrimitive {
 public:
  DisparityCpu(mx::Stream stream, float k, bool to_depth) : mx::UnaryPrimitive(stream), k_(k), to_depth_(to_depth) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(in[0]);
    enc.set_output_array(out);
    const float k = k_;
    const std::int64_t n = out.size();
    if (to_depth_) {
      const float* d = in[0].data<float>();
      auto* z = out.data<std::uint16_t>();
      enc.dispatch([=] {
        for_each_chunk(n, [&](std::int64_t lo, std::int64_t hi) {
          for (std::int64_t i = lo; i < hi; ++i) {
            const float a = std::fabs(d[i]);
            float v = k / d[i] + 0.5f;
            v = v < -2147483648.0f ? -2147483648.0f : v;
            v = v > 2147483520.0f ? 2147483520.0f : v;
            const bool normal = a >= FLT_MIN && a < INFINITY;  // std::isnormal; NaN fails both
            z[i] = normal ? std::uint16_t(std::int32_t(v)) : std::uint16_t(0);
          }
        });
      });
    } else {
      const auto* z = in[0].data<std::uint16_t>();
      float* d = out.data<float>();
      enc.dispatch([=] {
        for_each_chunk(n, [&](std::int64_t lo, std::int64_t hi) {
          for (std::int64_t i = lo; i < hi; ++i) d[i] = z[i] == 0 ? 0.0f : k / float(z[i]);
        });
      });
    }
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[depth.disparity/cpu] the CPU twin has no GPU path; use the portable path");
  }

  const char* name() const override { return to_depth_ ? "DepthDisparityToDepthCpu" : "DepthToDisparityCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const DisparityCpu&>(other);
    return k_ == o.k_ && to_depth_ == o.to_depth_;
  }

 private:
  float k_;
  bool to_depth_;
};

mx::array make(const mx::array& x, float k, bool to_depth, mx::Stream stream) {
  return mx::array(x.shape(), to_depth ? mx::uint16 : mx::float32, std::make_shared<DisparityCpu>(stream, k, to_depth),
                   {mx::contiguous(x, false, stream)});
}

}  // namespace

namespace detail {

mx::array depth_to_disparity_cpu(const mx::array& depth, float k, mx::Stream s) { return make(depth, k, false, s); }
mx::array disparity_to_depth_cpu(const mx::array& disparity, float k, mx::Stream s) { return make(disparity, k, true, s); }

}  // namespace detail

}  // namespace robomlx::depth
