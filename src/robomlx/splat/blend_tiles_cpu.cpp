// SPDX-License-Identifier: Apache-2.0
// CPU twin of splat.blend: a forward Primitive (three images plus T_final and the last
// contributor per pixel) and a backward Primitive (each tile walked back to front), joined by a
// custom VJP on the stream. The loops are in blend_tiles_cpu_loops.cpp.
#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/splat/blend_tiles_internal.h"

namespace robomlx::splat::detail {

namespace {

// Host pointers of the seven operands (inputs 0..6 of both Primitives), valid once they are evaluated.
BlendCpuArgs host_args(const std::vector<mx::array>& in, const BlendSettings& st) {
  return BlendCpuArgs{in[0].data<float>(),   in[1].data<float>(),   in[2].data<float>(),
                      in[3].data<float>(),   in[4].data<float>(),   in[5].data<std::int32_t>(),
                      in[6].data<std::int32_t>(), static_cast<std::int64_t>(in[5].size()),
                      static_cast<int>(in[0].shape(0)), st.width, st.height,
                      {st.background[0], st.background[1], st.background[2]}};
}

bool same_settings(const BlendSettings& a, const BlendSettings& b) {
  return a.width == b.width && a.height == b.height && a.background == b.background;
}

class BlendForwardCpu : public mx::Primitive {
 public:
  BlendForwardCpu(mx::Stream s, BlendSettings st) : mx::Primitive(s), st_(st) {}

  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    for (auto& o : out) o.set_data(mx::allocator::malloc(o.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    for (auto& o : out) enc.set_output_array(o);
    enc.dispatch([args = host_args(in, st_), color = out[0].data<float>(), inv_depth = out[1].data<float>(),
                  alpha = out[2].data<float>(), final_t = out[3].data<float>(),
                  n_contrib = out[4].data<std::int32_t>()] {
      blend_forward_loop(args, color, inv_depth, alpha, final_t, n_contrib);
    });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[splat.blend/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return "SplatBlendForwardCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return same_settings(st_, static_cast<const BlendForwardCpu&>(other).st_);
  }

 private:
  BlendSettings st_;
};

// Inputs: the seven operands, final_T, n_contrib, d_color, d_inv_depth, d_alpha.
class BlendBackwardCpu : public mx::Primitive {
 public:
  BlendBackwardCpu(mx::Stream s, BlendSettings st) : mx::Primitive(s), st_(st) {}

  void eval_cpu(const std::vector<mx::array>& in, std::vector<mx::array>& out) override {
    for (auto& o : out) o.set_data(mx::allocator::malloc(o.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    for (auto& o : out) enc.set_output_array(o);
    enc.dispatch([args = host_args(in, st_), final_t = in[7].data<float>(), n_contrib = in[8].data<std::int32_t>(),
                  d_color = in[9].data<float>(), d_inv_depth = in[10].data<float>(), d_alpha = in[11].data<float>(),
                  g0 = out[0].data<float>(), g1 = out[1].data<float>(), g2 = out[2].data<float>(),
                  g3 = out[3].data<float>(), g4 = out[4].data<float>()] {
      blend_backward_loop(args, final_t, n_contrib, d_color, d_inv_depth, d_alpha, g0, g1, g2, g3, g4);
    });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[splat.blend/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return "SplatBlendBackwardCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return same_settings(st_, static_cast<const BlendBackwardCpu&>(other).st_);
  }

 private:
  BlendSettings st_;
};

std::vector<mx::array> contiguous_operands(const BlendOperands& in, mx::Stream s) {
  std::vector<mx::array> v;
  for (const auto* a : {&in.means2d, &in.conics, &in.opacities, &in.colors, &in.inv_depths, &in.point_list,
                        &in.tile_ranges}) {
    v.push_back(mx::contiguous(*a, false, s));
  }
  return v;
}

}  // namespace

// On `s`, a CPU stream (choose_impl picks this twin only there).
BlendOutput blend_tiles_cpu(const BlendOperands& in, const BlendSettings& settings, mx::Stream s) {
  const int H = settings.height, W = settings.width;
  auto forward = [=](const BlendOperands& op) {
    return mx::array::make_arrays({{3, H, W}, {1, H, W}, {1, H, W}, {H, W}, {H, W}},
                                  {mx::float32, mx::float32, mx::float32, mx::float32, mx::int32},
                                  std::make_shared<BlendForwardCpu>(s, settings), contiguous_operands(op, s));
  };
  auto backward = [=](const BlendOperands& op, const std::vector<mx::array>& state,
                      const std::vector<mx::array>& cot) {
    auto inputs = contiguous_operands(op, s);
    inputs.insert(inputs.end(), state.begin(), state.end());
    inputs.insert(inputs.end(), cot.begin(), cot.end());
    return mx::array::make_arrays({op.means2d.shape(), op.conics.shape(), op.opacities.shape(), op.colors.shape(),
                                   op.inv_depths.shape()},
                                  {mx::float32, mx::float32, mx::float32, mx::float32, mx::float32},
                                  std::make_shared<BlendBackwardCpu>(s, settings), inputs);
  };
  return blend_with_vjp(in, s, forward, backward);
}

}  // namespace robomlx::splat::detail
