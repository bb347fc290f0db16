// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/cpu_twin_internal.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/stream.h>

namespace robomlx {

void CpuTwinPrimitive::eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) {
  auto& enc = mx::cpu::get_command_encoder(stream());
  for (const auto& in : inputs) enc.set_input_array(in);
  for (auto& out : outputs) {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    enc.set_output_array(out);
  }
  // The arrays are captured by value: they keep their buffers alive until the task has run.
  enc.dispatch([work = task(), inputs, outputs]() mutable { work(inputs, outputs); });
}

void CpuTwinPrimitive::eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) {
  throw std::runtime_error(std::string("[robomlx] ") + name() + " is a CPU twin: it runs on CPU streams only");
}

namespace {
bool ready(const mx::array& x) { return x.is_available() && x.flags().row_contiguous; }

// ROBOMLX_CPU_TWIN_LAZY=1 keeps every CPU twin in MLX's graph: to time the hand-off, or to debug.
bool always_lazy() {
  static const bool lazy = [] {
    const char* v = std::getenv("ROBOMLX_CPU_TWIN_LAZY");
    return v && std::string(v) == "1";
  }();
  return lazy;
}
}  // namespace

mx::array twin_input(const mx::array& x, mx::Stream s) {
  if (ready(x)) return x;
  return mx::contiguous(x, false, s);
}

std::vector<mx::array> cpu_twin_outputs(const std::vector<mx::Shape>& shapes, const std::vector<mx::Dtype>& dtypes,
                                        const std::shared_ptr<CpuTwinPrimitive>& prim,
                                        const std::vector<mx::array>& inputs) {
  auto outputs = mx::array::make_arrays(shapes, dtypes, prim, inputs);
  // Only on the CPU's default stream: work given an explicit stream stays on that stream's thread
  // (a caller that made one wants it off its own thread).
  if (!(prim->stream() == mx::default_stream(mx::Device(mx::Device::cpu))) || always_lazy()) return outputs;
  for (const auto& in : inputs)
    if (!ready(in)) return outputs;
  for (auto& out : outputs) out.set_data(mx::allocator::malloc(out.nbytes()));
  prim->task()(inputs, outputs);
  // Done: evaluated, and off the graph (MLX's eval finds nothing left to do).
  for (auto& out : outputs) {
    out.set_status(mx::array::Status::available);
    out.detach();
  }
  return outputs;
}

}  // namespace robomlx
