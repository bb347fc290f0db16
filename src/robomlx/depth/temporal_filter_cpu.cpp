// SPDX-License-Identifier: Apache-2.0
// CPU twin of the temporal filter: librealsense's per-pixel loop in a three-output Primitive
// (output, last, history) whose eval_cpu splits the pixels over a few threads.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <mlx/allocator.h>
#include <mlx/backend/cpu/encoder.h>
#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/parallel.h"
#include "robomlx/depth/temporal_filter_twins.h"

namespace robomlx::depth::detail {

namespace {

struct Params {
  float alpha = 0, keep = 0, delta = 0;
  uint8_t mask = 0;
  std::array<uint8_t, 256> table{};
};

template <typename T>
void run(const T* frame, const T* last_in, const uint8_t* hist_in, T* out, T* last, uint8_t* hist, size_t lo,
         size_t hi, const Params& q) {
  for (size_t i = lo; i < hi; ++i) {
    T c = frame[i], l = last_in[i];
    uint8_t h = hist_in[i];
    T o = c;
    if (c != T(0)) {
      // For uint16 the float difference is exact, so this equals upstream's integer test.
      if (l != T(0) && std::fabs(static_cast<float>(c) - static_cast<float>(l)) < q.delta) {
        float filtered = q.alpha * static_cast<float>(c) + q.keep * static_cast<float>(l);
        o = l = static_cast<T>(filtered);
        h |= q.mask;
      } else {
        l = c;
        h = q.mask;
      }
    } else {
      if (l != T(0) && q.table[h]) o = l;
      h &= static_cast<uint8_t>(~q.mask);
    }
    out[i] = o;
    last[i] = l;
    hist[i] = h;
  }
}

class TemporalFilterCpu : public mx::Primitive {
 public:
  TemporalFilterCpu(mx::Stream s, const Params& q) : mx::Primitive(s), q_(q) {}

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    auto& enc = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) enc.set_input_array(in);
    for (auto& out : outputs) {
      out.set_data(mx::allocator::malloc(out.nbytes()));
      enc.set_output_array(out);
    }
    bool is_float = inputs[0].dtype() == mx::float32;
    enc.dispatch([f = inputs[0].data<void>(), l = inputs[1].data<void>(), h = inputs[2].data<uint8_t>(),
                  o = outputs[0].data<void>(), nl = outputs[1].data<void>(), nh = outputs[2].data<uint8_t>(),
                  n = inputs[0].size(), is_float, q = q_] {
      // Pixels are independent; at least 64Ki per thread.
      parallel_for(static_cast<int64_t>(n), 65536, [&](int64_t lo, int64_t hi) {
        if (is_float) {
          run(static_cast<const float*>(f), static_cast<const float*>(l), h, static_cast<float*>(o),
              static_cast<float*>(nl), nh, lo, hi, q);
        } else {
          run(static_cast<const uint16_t*>(f), static_cast<const uint16_t*>(l), h, static_cast<uint16_t*>(o),
              static_cast<uint16_t*>(nl), nh, lo, hi, q);
        }
      });
    });
  }
  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[depth.temporal/cpu] TemporalFilterCpu runs on CPU streams only");
  }
  const char* name() const override { return "TemporalFilterCpu"; }

 private:
  Params q_;
};

}  // namespace

std::vector<mx::array> temporal_filter_cpu(const mx::array& frame, const mx::array& last, const mx::array& history,
                                           const TemporalFilterOptions& options, int phase, mx::Stream s) {
  Params q;
  q.alpha = options.alpha;
  q.keep = 1.0f - options.alpha;
  q.delta = static_cast<float>(options.delta);
  q.mask = static_cast<uint8_t>(1u << phase);
  q.table = persistence_table(options.persistence, phase);
  std::vector<mx::array> in = {mx::contiguous(frame, false, s), mx::contiguous(last, false, s),
                               mx::contiguous(history, false, s)};
  return mx::array::make_arrays({frame.shape(), frame.shape(), frame.shape()}, {frame.dtype(), frame.dtype(), mx::uint8},
                                std::make_shared<TemporalFilterCpu>(s, q), in);
}

}  // namespace robomlx::depth::detail
