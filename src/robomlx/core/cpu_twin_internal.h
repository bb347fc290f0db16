// SPDX-License-Identifier: Apache-2.0
// Private to the systems' CPU twins: their Primitive base, and their outputs computed at once
// when their inputs are ready.
//
// A CPU twin is one host function over evaluated, row-contiguous inputs into allocated outputs.
// MLX runs a Primitive by handing it to its CPU stream's thread and waiting for it: tens of
// microseconds of hand-off on a loaded machine, more than the work of a small frame (a 640x360
// temporal filter, a point cloud). When every input is already evaluated and the work is for the
// CPU's default stream, cpu_twin_outputs runs that function on the caller's thread instead and
// returns evaluated arrays; otherwise the outputs stay lazy and MLX evaluates them in their graph
// as usual. Same function, same results.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <mlx/array.h>
#include <mlx/primitives.h>

namespace robomlx {

namespace mx = mlx::core;

class CpuTwinPrimitive : public mx::Primitive {
 public:
  using Task = std::function<void(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs)>;
  using mx::Primitive::Primitive;
  /// The twin's work over evaluated inputs (row-contiguous when they come from twin_input) into
  /// allocated (not initialised) outputs, as a function that owns what it reads: a queued task may outlive its Primitive
  /// (MLX detaches outputs from their Primitive once the work is handed over).
  virtual Task task() const = 0;
  /// Allocates the outputs and hands task() to the CPU stream's thread.
  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) final;
  /// A CPU twin has no GPU path: its dispatch picks it for CPU streams only.
  void eval_gpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) final;
};

/// `x` itself when it is evaluated and row-contiguous (what a twin reads as it is), else
/// mx::contiguous(x) on `s`, evaluated in the twin's graph.
mx::array twin_input(const mx::array& x, mx::Stream s);

/// The outputs of `prim` over `inputs` (from twin_input): computed now on this thread when prim's
/// stream is the CPU's default stream and every input is evaluated and row-contiguous, else lazy
/// (an explicit stream keeps its work on its own thread; ROBOMLX_CPU_TWIN_LAZY=1: always lazy).
std::vector<mx::array> cpu_twin_outputs(const std::vector<mx::Shape>& shapes, const std::vector<mx::Dtype>& dtypes,
                                        const std::shared_ptr<CpuTwinPrimitive>& prim,
                                        const std::vector<mx::array>& inputs);

}  // namespace robomlx
