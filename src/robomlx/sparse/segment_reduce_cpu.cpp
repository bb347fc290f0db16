// SPDX-License-Identifier: Apache-2.0
// CPU twin of the contiguous segment reduction: std::threads own disjoint ranges of segments
// and stream their rows once (MLX's scatter_add/scatter_max run on one thread and pay an index
// read and a read-modify-write of the output per element).
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/sparse/mvmr_detail.h"
#include "robomlx/sparse/segment_reduce_detail.h"

namespace robomlx::sparse::detail {

namespace {

template <typename T>
void run_reduce(const T* x, const int32_t* lengths, T* y, int64_t K, int64_t D, ReduceOp op) {
  std::vector<int64_t> offsets(K + 1, 0);
  for (int64_t k = 0; k < K; ++k) offsets[k + 1] = offsets[k] + lengths[k];
  int64_t T_ = offsets[K];
  // Chunks of roughly equal rows, not equal segment counts, so one huge segment does not
  // leave other threads idle behind it.
  int64_t min_segments = std::max<int64_t>(1, K * 4096 / std::max<int64_t>(T_ * D, 1));
  parallel_for(K, min_segments, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      T* out = y + k * D;
      int64_t r0 = offsets[k], r1 = offsets[k + 1];
      if (r0 == r1) {
        std::fill(out, out + D, T(0));
        continue;
      }
      std::copy(x + r0 * D, x + (r0 + 1) * D, out);
      const T* row = x + (r0 + 1) * D;
      for (int64_t r = r0 + 1; r < r1; ++r, row += D) {
        switch (op) {
          case ReduceOp::max:
            for (int64_t d = 0; d < D; ++d) out[d] = std::max(out[d], row[d]);
            break;
          case ReduceOp::min:
            for (int64_t d = 0; d < D; ++d) out[d] = std::min(out[d], row[d]);
            break;
          default:
            for (int64_t d = 0; d < D; ++d) out[d] += row[d];
        }
      }
      if (op == ReduceOp::mean) {
        T inv = T(1) / T(r1 - r0);
        for (int64_t d = 0; d < D; ++d) out[d] *= inv;
      }
    }
  });
}

class SegmentReduceCpu : public mx::UnaryPrimitive {
 public:
  SegmentReduceCpu(mx::Stream s, ReduceOp op) : mx::UnaryPrimitive(s), op_(op) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    enc.set_input_array(in[0]);
    enc.set_input_array(in[1]);
    enc.set_output_array(out);
    int64_t K = out.shape(0), D = out.shape(1);
    const int32_t* len = in[1].data<int32_t>();
    ReduceOp op = op_;
    if (out.dtype() == mx::float64) {
      enc.dispatch([=, x = in[0].data<double>(), y = out.data<double>()] { run_reduce(x, len, y, K, D, op); });
    } else {
      enc.dispatch([=, x = in[0].data<float>(), y = out.data<float>()] { run_reduce(x, len, y, K, D, op); });
    }
  }
  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[sparse.segment_reduce/cpu] the CPU twin runs on CPU streams only");
  }
  const char* name() const override { return "SparseSegmentReduceCpu"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return op_ == static_cast<const SegmentReduceCpu&>(other).op_;
  }

 private:
  ReduceOp op_;
};

}  // namespace

mx::array segment_reduce_cpu(const mx::array& x, const mx::array& lengths, ReduceOp op) {
  auto s = mx::default_stream(mx::Device::cpu);
  std::vector<mx::array> inputs{mx::contiguous(x, false, s), mx::contiguous(lengths, false, s)};
  return mx::array({static_cast<int>(lengths.size()), x.shape(1)}, x.dtype(), std::make_shared<SegmentReduceCpu>(s, op),
                   std::move(inputs));
}

}  // namespace robomlx::sparse::detail
