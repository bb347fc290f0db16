// SPDX-License-Identifier: Apache-2.0
// CPU twin of the segment reductions: std::threads own disjoint ranges of segments and stream
// their rows once (indexed rows are read in place, without a gathered copy) (MLX's scatter_add/scatter_max run on one thread and pay an index
// read and a read-modify-write of the output per element).
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/parallel.h"
#include "robomlx/sparse/segment_reduce_twins.h"

namespace robomlx::sparse::detail {

namespace {

template <ReduceOp OP, typename T>
inline T combine(T u, T v) {
  if constexpr (OP == ReduceOp::max) return v > u ? v : u;
  if constexpr (OP == ReduceOp::min) return v < u ? v : u;
  return u + v;
}

// One segment of a single channel: eight independent partial results keep the adds (or
// compares) pipelined; the result differs from a sequential sum only by rounding.
template <ReduceOp OP, typename T>
T reduce_run(const T* x, int64_t n) {
  T part[8];
  int64_t i = 0;
  for (int j = 0; j < 8; ++j) part[j] = OP == ReduceOp::sum || OP == ReduceOp::mean ? T(0) : x[0];
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) part[j] = combine<OP>(part[j], x[i + j]);
  }
  for (; i < n; ++i) part[0] = combine<OP>(part[0], x[i]);
  for (int j = 1; j < 8; ++j) part[0] = combine<OP>(part[0], part[j]);
  return part[0];
}

template <ReduceOp OP, typename T>
void run_reduce(const T* x, const int32_t* idx, const int32_t* lengths, T* y, int64_t K, int64_t D) {
  std::vector<int64_t> offsets(K + 1, 0);
  for (int64_t k = 0; k < K; ++k) offsets[k + 1] = offsets[k] + lengths[k];
  int64_t T_ = offsets[K];
  // Chunks of roughly equal rows, not equal segment counts, so one huge segment does not
  // leave other threads idle behind it; small inputs stay on one thread.
  int64_t min_segments = std::max<int64_t>(1, K * (int64_t(1) << 16) / std::max<int64_t>(T_ * D, 1));
  parallel_for(K, min_segments, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      T* out = y + k * D;
      int64_t r0 = offsets[k], r1 = offsets[k + 1];
      if (r0 == r1) {
        std::fill(out, out + D, T(0));
        continue;
      }
      if (D == 1 && idx == nullptr) {
        out[0] = reduce_run<OP>(x + r0, r1 - r0);
      } else {
        auto row = [&](int64_t r) { return x + (idx ? int64_t(idx[r]) : r) * D; };
        std::copy(row(r0), row(r0) + D, out);
        for (int64_t r = r0 + 1; r < r1; ++r) {
          const T* src = row(r);
          for (int64_t d = 0; d < D; ++d) out[d] = combine<OP>(out[d], src[d]);
        }
      }
      if constexpr (OP == ReduceOp::mean) {
        T inv = T(1) / T(r1 - r0);
        for (int64_t d = 0; d < D; ++d) out[d] *= inv;
      }
    }
  });
}

template <typename T>
void run_reduce(const T* x, const int32_t* idx, const int32_t* lengths, T* y, int64_t K, int64_t D, ReduceOp op) {
  switch (op) {
    case ReduceOp::mean: return run_reduce<ReduceOp::mean>(x, idx, lengths, y, K, D);
    case ReduceOp::max: return run_reduce<ReduceOp::max>(x, idx, lengths, y, K, D);
    case ReduceOp::min: return run_reduce<ReduceOp::min>(x, idx, lengths, y, K, D);
    default: return run_reduce<ReduceOp::sum>(x, idx, lengths, y, K, D);
  }
}

class SegmentReduceCpu : public mx::UnaryPrimitive {
 public:
  SegmentReduceCpu(mx::Stream s, ReduceOp op) : mx::UnaryPrimitive(s), op_(op) {}

  void eval_cpu(const std::vector<mx::array>& in, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& a : in) enc.set_input_array(a);
    enc.set_output_array(out);
    int64_t K = out.shape(0), D = out.shape(1);
    const int32_t* len = in[1].data<int32_t>();
    const int32_t* idx = in.size() > 2 ? in[2].data<int32_t>() : nullptr;
    ReduceOp op = op_;
    if (out.dtype() == mx::float64) {
      enc.dispatch([=, x = in[0].data<double>(), y = out.data<double>()] { run_reduce(x, idx, len, y, K, D, op); });
    } else {
      enc.dispatch([=, x = in[0].data<float>(), y = out.data<float>()] { run_reduce(x, idx, len, y, K, D, op); });
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

// On `s`, a CPU stream (choose_impl picks this twin only there).
mx::array segment_reduce_cpu(const mx::array& x, const mx::array& lengths, ReduceOp op,
                             const std::optional<mx::array>& indices, mx::Stream s) {
  std::vector<mx::array> inputs{mx::contiguous(x, false, s), mx::contiguous(lengths, false, s)};
  if (indices) inputs.push_back(mx::contiguous(*indices, false, s));
  return mx::array({static_cast<int>(lengths.size()), x.shape(1)}, x.dtype(), std::make_shared<SegmentReduceCpu>(s, op),
                   std::move(inputs));
}

}  // namespace robomlx::sparse::detail
