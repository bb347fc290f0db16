// SPDX-License-Identifier: Apache-2.0
// CPU twin of decode_attention (decode_attention_twins.h): one Primitive in place of MLX's fallback
// graph. Per (sequence, query head): scores against every cached key, a max-subtracted softmax, and
// the weighted sum of the values, in float32. The keys and values are read in place from the cache
// views (a slice of the cache: rows of D values, any strides), so nothing is copied per step.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/cpu_twin_internal.h"
#include "robomlx/core/parallel.h"
#include "robomlx/serve/decode_attention_twins.h"

namespace robomlx::serve::detail {

namespace {

template <typename T>
void attend(const mx::array& q, const mx::array& k, const mx::array& v, const mx::array* mask, float scale, T* out) {
  const int B = q.shape(0), H = q.shape(1), D = q.shape(3), Hkv = k.shape(1), L = k.shape(2), group = H / Hkv;
  const auto &qs = q.strides(), &ks = k.strides(), &vs = v.strides();
  const T *qp = q.data<T>(), *kp = k.data<T>(), *vp = v.data<T>();
  const bool* mp = mask ? mask->data<bool>() : nullptr;
  const std::int64_t mb = mask && mask->shape(0) > 1 ? mask->strides()[0] : 0, ml = mask ? mask->strides()[3] : 0;
  // A share is worth a thread from ~2^15 multiply-adds (two passes over L x D per head).
  const std::int64_t min_heads = std::max<std::int64_t>(1, (std::int64_t{1} << 15) / (2 * std::int64_t{L} * D));
  parallel_for(std::int64_t{B} * H, min_heads, [&](std::int64_t i0, std::int64_t i1) {
    std::vector<float> qf(D), p(L), acc(D);
    for (std::int64_t i = i0; i < i1; ++i) {
      const int b = static_cast<int>(i / H), h = static_cast<int>(i % H), g = h / group;
      const T* qr = qp + b * qs[0] + h * qs[1];
      for (int d = 0; d < D; ++d) qf[d] = static_cast<float>(qr[d * qs[3]]) * scale;
      const T* kb = kp + b * ks[0] + g * ks[1];
      float top = -std::numeric_limits<float>::infinity();
      for (int l = 0; l < L; ++l) {
        if (mp && !mp[b * mb + l * ml]) {
          p[l] = -std::numeric_limits<float>::infinity();
          continue;
        }
        const T* kr = kb + l * ks[2];
        float dot = 0;
        for (int d = 0; d < D; ++d) dot += qf[d] * static_cast<float>(kr[d * ks[3]]);
        p[l] = dot;
        top = std::max(top, dot);
      }
      float sum = 0;
      for (int l = 0; l < L; ++l) sum += (p[l] = std::exp(p[l] - top));  // masked: exp(-inf) = 0
      std::fill(acc.begin(), acc.end(), 0.0f);
      const T* vb = vp + b * vs[0] + g * vs[1];
      for (int l = 0; l < L; ++l) {
        if (p[l] == 0.0f) continue;
        const T* vr = vb + l * vs[2];
        for (int d = 0; d < D; ++d) acc[d] += p[l] * static_cast<float>(vr[d * vs[3]]);
      }
      T* o = out + i * D;  // [B, H, 1, D] row-major
      for (int d = 0; d < D; ++d) o[d] = static_cast<T>(acc[d] / sum);
    }
  });
}

class DecodeAttentionCpu : public CpuTwinPrimitive {
 public:
  DecodeAttentionCpu(mx::Stream s, float scale) : CpuTwinPrimitive(s), scale_(scale) {}

  Task task() const override {
    return [scale = scale_](const std::vector<mx::array>& in, std::vector<mx::array>& out) {
      const mx::array* mask = in.size() > 3 ? &in[3] : nullptr;
      switch (in[0].dtype()) {
        case mx::float32: return attend(in[0], in[1], in[2], mask, scale, out[0].data<float>());
        case mx::float16: return attend(in[0], in[1], in[2], mask, scale, out[0].data<mx::float16_t>());
        case mx::bfloat16: return attend(in[0], in[1], in[2], mask, scale, out[0].data<mx::bfloat16_t>());
        default: throw std::invalid_argument("serve.decode_attention/cpu: q must be float32, float16 or bfloat16");
      }
    };
  }

  const char* name() const override { return "ServeDecodeAttentionCpu"; }

 private:
  float scale_;
};

}  // namespace

mx::array decode_attention_cpu(const mx::array& q, const mx::array& keys, const mx::array& values, float scale,
                               const std::optional<mx::array>& mask, mx::Stream s) {
  std::vector<mx::array> in{q, keys, values};
  if (mask) in.push_back(*mask);
  return mx::array({q.shape(0), q.shape(1), 1, q.shape(3)}, q.dtype(), std::make_shared<DecodeAttentionCpu>(s, scale), std::move(in));
}

}  // namespace robomlx::serve::detail
