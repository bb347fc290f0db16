// SPDX-License-Identifier: Apache-2.0
// CPU twin of the point cloud (depth_to_points_twins.h): a custom Primitive with one host pass per
// row for vertices, texture coordinates and librealsense's sequential monotonic occlusion scan; rows
// are independent (the scan restarts per row), so they run in parallel. Without a texture the row is
// a branch-free loop, 8 pixels per step with AVX2 (chosen at run time) or 4 with SSE2
// (librealsense's SSE path was 3-4x faster than the per-pixel branches, issue 21).
#include "robomlx/depth/depth_to_points_twins.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/primitives.h>

#include "robomlx/core/cpu_twin_internal.h"
#include "robomlx/core/parallel.h"
#if ROBOMLX_DEPTH_X86
#include <immintrin.h>
#endif

namespace robomlx::depth::detail {

namespace {

// Vertices only: z * ray (also -0 where z is 0 and the ray negative, as the portable path). kAxes:
// one ray y for the whole run, ry[0] (a row of separable rays).
template <bool kAxes>
void untextured_generic(const std::uint16_t* __restrict raw, const float* __restrict rx, const float* __restrict ry,
                        std::int64_t i, std::int64_t end, float units, float* __restrict vert) {
  for (; i < end; ++i) {
    const float z = float(raw[i]) * units;
    vert[3 * i] = z * rx[i];
    vert[3 * i + 1] = z * ry[kAxes ? 0 : i];
    vert[3 * i + 2] = z;
  }
}

#if ROBOMLX_DEPTH_X86

// Four pixels a step: the same two products per pixel, stored interleaved x y z with shuffles (the
// compiler's own vectorisation stored each float separately).
template <bool kAxes>
void untextured_sse2(const std::uint16_t* raw, const float* rx, const float* ry, std::int64_t n, float units,
                     float* vert) {
  std::int64_t i = 0;
  const __m128 u = _mm_set1_ps(units);
  const __m128i zero = _mm_setzero_si128();
  for (; i + 4 <= n; i += 4) {
    const __m128i d = _mm_unpacklo_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(raw + i)), zero);
    const __m128 z = _mm_mul_ps(_mm_cvtepi32_ps(d), u);
    const __m128 x = _mm_mul_ps(z, _mm_loadu_ps(rx + i));
    const __m128 y = _mm_mul_ps(z, kAxes ? _mm_set1_ps(ry[0]) : _mm_loadu_ps(ry + i));
    const __m128 xy_lo = _mm_unpacklo_ps(x, y), xy_hi = _mm_unpackhi_ps(x, y);  // x0 y0 x1 y1, x2 y2 x3 y3
    const __m128 z01x01 = _mm_shuffle_ps(z, x, _MM_SHUFFLE(1, 0, 1, 0));
    const __m128 y1z1 = _mm_shuffle_ps(y, z, _MM_SHUFFLE(1, 1, 1, 1));
    const __m128 z2x3 = _mm_shuffle_ps(z, x, _MM_SHUFFLE(3, 3, 2, 2)), y3z3 = _mm_shuffle_ps(y, z, _MM_SHUFFLE(3, 3, 3, 3));
    float* v = vert + 3 * i;
    _mm_storeu_ps(v, _mm_shuffle_ps(xy_lo, z01x01, _MM_SHUFFLE(3, 0, 1, 0)));    // x0 y0 z0 x1
    _mm_storeu_ps(v + 4, _mm_shuffle_ps(y1z1, xy_hi, _MM_SHUFFLE(1, 0, 2, 0)));  // y1 z1 x2 y2
    _mm_storeu_ps(v + 8, _mm_shuffle_ps(z2x3, y3z3, _MM_SHUFFLE(2, 0, 2, 0)));   // z2 x3 y3 z3
  }
  untextured_generic<kAxes>(raw, rx, ry, i, n, units, vert);
}

// Eight pixels a step: each of x, y, z is permuted once so that every output vector takes its lanes
// from the three at fixed positions, then two blends per output (the loop was bound by the SSE2
// shuffles, not by memory: ~25 % faster on one core here).
template <bool kAxes>
__attribute__((target("avx2"))) void untextured_avx2(const std::uint16_t* raw, const float* rx, const float* ry,
                                                     std::int64_t n, float units, float* vert) {
  std::int64_t i = 0;
  const __m256 u = _mm256_set1_ps(units);
  // x0 x3 x6 x1 x4 x7 x2 x5, y5 y0 y3 y6 y1 y4 y7 y2, z2 z5 z0 z3 z6 z1 z4 z7: output k lane j is
  // pixel (8k + j) / 3's coordinate (8k + j) % 3, found in one of the three at lane j.
  const __m256i px = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5), py = _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2);
  const __m256i pz = _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7);
  for (; i + 8 <= n; i += 8) {
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(raw + i));
    const __m256 z = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(d)), u);
    const __m256 x = _mm256_mul_ps(z, _mm256_loadu_ps(rx + i));
    const __m256 y = _mm256_mul_ps(z, kAxes ? _mm256_set1_ps(ry[0]) : _mm256_loadu_ps(ry + i));
    const __m256 xs = _mm256_permutevar8x32_ps(x, px), ys = _mm256_permutevar8x32_ps(y, py);
    const __m256 zs = _mm256_permutevar8x32_ps(z, pz);
    float* v = vert + 3 * i;
    _mm256_storeu_ps(v, _mm256_blend_ps(_mm256_blend_ps(xs, ys, 0x92), zs, 0x24));       // x0 y0 z0 .. x2 y2
    _mm256_storeu_ps(v + 8, _mm256_blend_ps(_mm256_blend_ps(zs, xs, 0x92), ys, 0x24));   // z2 x3 .. z4 x5
    _mm256_storeu_ps(v + 16, _mm256_blend_ps(_mm256_blend_ps(ys, zs, 0x92), xs, 0x24));  // y5 z5 .. y7 z7
  }
  untextured_generic<kAxes>(raw, rx, ry, i, n, units, vert);
}

#endif

void rows_textured(const std::uint16_t* raw, const float* rx, const float* ry, int y0, int y1, int w,
                   const DepthToPointsParams& p, float* vert, float* tex) {
  const auto& r = p.extrinsics.rotation;
  const auto& t = p.extrinsics.translation;
  for (int y = y0; y < y1; ++y) {
    float max_x = -1, max_z = 0;  // occlusion scan state (occlusion-filter.cpp)
    int dilation = 0;
    for (int x = 0; x < w; ++x) {
      const long long i = (long long)y * w + x;
      const float z = float(raw[i]) * p.units;
      float* v = vert + 3 * i;
      v[0] = z * rx[i], v[1] = z * ry[i], v[2] = z;
      float* uv = tex + 2 * i;
      if (!raw[i]) {
        uv[0] = uv[1] = 0;
        v[0] = v[1] = v[2] = 0;  // +0 like the portable path's select (z * ray may be -0)
        continue;
      }
      const float X = r[0] * v[0] + (r[3] * v[1] + (r[6] * z + t[0]));
      const float Y = r[1] * v[0] + (r[4] * v[1] + (r[7] * z + t[1]));
      const float Z = r[2] * v[0] + (r[5] * v[1] + (r[8] * z + t[2]));
      const float px = X / Z * p.fx + p.ppx;
      const float py = Y / Z * p.fy + p.ppy;
      uv[0] = px / float(p.width);
      uv[1] = py / float(p.height);
      if (!p.occlusion) continue;
      if (px < max_x || (px == max_x && z - max_z > 0.1f)) {
        v[0] = v[1] = v[2] = 0;
        dilation = 1;
      } else {
        max_x = px, max_z = z;
        if (dilation > 0) {
          v[0] = v[1] = v[2] = 0;
          --dilation;
        }
      }
    }
  }
}

class PointcloudCpu : public CpuTwinPrimitive {
 public:
  PointcloudCpu(mx::Stream s, DepthToPointsParams p) : CpuTwinPrimitive(s), p_(p) {}

  Task task() const override {
    return [p = p_, isa = best_cpu_isa()](const std::vector<mx::array>& in, std::vector<mx::array>& out) {
      const auto* raw = in[0].data<std::uint16_t>();
      const auto* rx = in[1].data<float>();
      const auto* ry = in[2].data<float>();
      auto* vert = out[0].data<float>();
      auto* tex = p.texture ? out[1].data<float>() : nullptr;
      const int h = in[0].shape(0), w = in[0].shape(1);
      // >= 64k pixels per thread: a thread's start-up costs about what it does on fewer.
      const std::int64_t min_rows = std::max(1, 65536 / std::max(w, 1));
      parallel_for(h, min_rows, [&](std::int64_t y0, std::int64_t y1) {
        if (p.texture) {
          rows_textured(raw, rx, ry, int(y0), int(y1), w, p, vert, tex);
        } else if (!p.separable_rays) {
          depth_to_points_row(raw + y0 * w, rx + y0 * w, ry + y0 * w, (y1 - y0) * w, p.units, vert + 3 * y0 * w, isa);
        } else {
          for (std::int64_t y = y0; y < y1; ++y)  // rx: [1, W], ry: [H, 1]
            depth_to_points_row_axes(raw + y * w, rx, ry[y], w, p.units, vert + 3 * y * w, isa);
        }
      });
    };
  }

  const char* name() const override { return "DepthPointcloudCpu"; }

 private:
  DepthToPointsParams p_;
};

}  // namespace

namespace {
template <bool kAxes>
void untextured(const std::uint16_t* raw, const float* rx, const float* ry, std::int64_t n, float units, float* vert,
                CpuIsa isa) {
#if ROBOMLX_DEPTH_X86
  isa = usable_cpu_isa(isa);
  if (isa == CpuIsa::avx2) return untextured_avx2<kAxes>(raw, rx, ry, n, units, vert);
  if (isa == CpuIsa::sse2) return untextured_sse2<kAxes>(raw, rx, ry, n, units, vert);
#endif
  (void)isa;
  untextured_generic<kAxes>(raw, rx, ry, 0, n, units, vert);
}
}  // namespace

void depth_to_points_row(const std::uint16_t* raw, const float* rx, const float* ry, std::int64_t n, float units,
                         float* vert, CpuIsa isa) {
  untextured<false>(raw, rx, ry, n, units, vert, isa);
}

void depth_to_points_row_axes(const std::uint16_t* raw, const float* rx, float ry, std::int64_t n, float units,
                              float* vert, CpuIsa isa) {
  untextured<true>(raw, rx, &ry, n, units, vert, isa);
}

std::vector<mx::array> depth_to_points_cpu(const mx::array& depth, const mx::array& rays_x, const mx::array& rays_y,
                                           const DepthToPointsParams& params, mx::Stream s) {
  const int h = depth.shape(0), w = depth.shape(1);
  std::vector<mx::array> inputs = {twin_input(depth, s), twin_input(rays_x, s), twin_input(rays_y, s)};
  if (!params.texture) {
    // No texture: the coordinates are all 0, a broadcast scalar (no 2 x 4 bytes per pixel to write;
    // librealsense leaves them unwritten).
    auto vertices = cpu_twin_outputs({{h, w, 3}}, {mx::float32}, std::make_shared<PointcloudCpu>(s, params), inputs)[0];
    return {vertices, mx::broadcast_to(mx::array(0.0f), {h, w, 2}, s)};
  }
  return cpu_twin_outputs({{h, w, 3}, {h, w, 2}}, {mx::float32, mx::float32}, std::make_shared<PointcloudCpu>(s, params),
                          inputs);
}

}  // namespace robomlx::depth::detail
