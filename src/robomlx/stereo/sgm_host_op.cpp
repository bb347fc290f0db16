// SPDX-License-Identifier: Apache-2.0
// A Primitive that runs a host function over [H, W] float32 images on a CPU stream: the
// threaded CPU twins of SGM and the sequential speckle filter use it (sgm_internal.h).
#include "robomlx/stereo/sgm_internal.h"

#include <stdexcept>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

namespace robomlx::stereo::detail {

namespace {
class HostImageOp : public mx::Primitive {
 public:
  HostImageOp(mx::Stream s, std::string name, HostImageFn fn)
      : mx::Primitive(s), name_(std::move(name)), fn_(std::move(fn)) {}

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    std::vector<const float*> in;
    for (const auto& a : inputs) in.push_back(a.data<float>());
    std::vector<float*> out;
    for (auto& o : outputs) {
      o.set_data(mx::allocator::malloc(o.nbytes()));
      out.push_back(o.data<float>());
    }
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : inputs) enc.set_input_array(a);
    for (auto& o : outputs) enc.set_output_array(o);
    const int h = outputs[0].shape(0), w = outputs[0].shape(1);
    enc.dispatch([fn = fn_, in = std::move(in), out = std::move(out), h, w] { fn(in, out, h, w); });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[" + name_ + "] host op has no GPU implementation");
  }
  const char* name() const override { return name_.c_str(); }

 private:
  std::string name_;
  HostImageFn fn_;
};
}  // namespace

std::vector<mx::array> host_image_op(const std::string& name, const std::vector<mx::array>& inputs, int n_out,
                                     HostImageFn fn, mx::Stream s) {
  if (s.device != mx::Device::cpu)
    throw std::invalid_argument("[" + name + "] host op needs a CPU stream, got a GPU stream");
  std::vector<mx::array> in;
  for (const auto& a : inputs) in.push_back(mx::contiguous(mx::astype(a, mx::float32, s), false, s));
  const mx::Shape shape = in.at(0).shape();
  auto prim = std::make_shared<HostImageOp>(s, name, std::move(fn));
  return mx::array::make_arrays(std::vector<mx::Shape>(n_out, shape), std::vector<mx::Dtype>(n_out, mx::float32), prim,
                                in);
}

}  // namespace robomlx::stereo::detail
