// SPDX-License-Identifier: Apache-2.0
// ctest kernels.emu.sgm: sgm_gpu.cpp's five launches (census, path aggregation with one warp per
// scanline, selection with one warp per pixel, left-right check, median) on the host emulator,
// each stage against SGM written as plain loops here from the contract of sgm_internal.h and
// sgm_select.cpp, bit for bit (integer costs and sums; the float formulas in the same order):
// census and AD-census, 4 and 8 paths, 1 to 3 disparities a lane, a minimum disparity, uint8
// and uint16 path costs.
#include <random>

#include "stereo_kernels.h"

namespace {

constexpr int kDirs[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
constexpr unsigned kNone = 1u << 30;  // "no second minimum"

template <typename T>
void check(const std::vector<T>& got, const std::vector<T>& want, const char* stage) {
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(T))) {
      emu_fail("%s [%zu]: %g, want %g", stage, i, double(got[i]), double(want[i]));
      return;
    }
}

// One configuration: the sizes and options are the kernels' template constants.
template <int H, int W, int D, int CW, int CH, int PATHS, int P1, int P2, int MIN_D, int LR, int MS, bool AD, bool SUBPIX>
void run(float uniqueness, std::mt19937& rng) {
  constexpr int K = (D + 31) / 32, OUTSIDE = CW * CH - 1 + (AD ? 15 : 0);
  using T = std::conditional_t<OUTSIDE + P2 <= 255, uint8_t, uint16_t>;  // sgm_core_gpu's rule
  std::printf("sgm %dx%d D=%d census %dx%d paths=%d min_d=%d ad=%d path costs %s\n", H, W, D, CW, CH, PATHS, MIN_D, AD,
              sizeof(T) == 1 ? "uint8" : "uint16");
  // A textured left image and the right image shifted by a depth-dependent disparity.
  std::uniform_int_distribution<int> grey(0, 255), shift(MIN_D, MIN_D + D - 1);
  std::vector<float> left(H * W), right(H * W);
  for (auto& v : left) v = float(grey(rng));
  const int d0 = shift(rng), d1 = shift(rng);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const int d = x < W / 2 ? d0 : d1, xl = std::min(W - 1, x + d);
      right[y * W + x] = std::min(255.0f, left[y * W + xl] + float(grey(rng) % 5));
    }
  // Census.
  auto census = [&](const std::vector<float>& img) {
    std::vector<uint64_t> bits(H * W, 0);
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        int b = 0;
        for (int dy = -(CH / 2); dy <= CH / 2; ++dy)
          for (int dx = -(CW / 2); dx <= CW / 2; ++dx) {
            if (!dy && !dx) continue;
            const int yy = std::clamp(y + dy, 0, H - 1), xx = std::clamp(x + dx, 0, W - 1);
            bits[y * W + x] |= uint64_t(img[yy * W + xx] < img[y * W + x]) << b++;
          }
      }
    return bits;
  };
  const auto ref_cl = census(left), ref_cr = census(right);
  // Costs: Hamming distance (+ AD term), cost_max where x - d leaves the image.
  auto cost = [&](int y, int x, int k) {
    const int xr = x - MIN_D - k;
    if (xr < 0 || xr >= W) return OUTSIDE;
    int v = std::popcount(ref_cl[y * W + x] ^ ref_cr[y * W + xr]);
    if (AD) v += int(std::min(std::fabs(left[y * W + x] - right[y * W + xr]), 30.0f)) >> 1;
    return v;
  };
  // Path costs L_r, visiting pixels so that p - r comes before p.
  std::vector<int> ref_lr(PATHS * H * W * D);
  for (int p = 0; p < PATHS; ++p) {
    const int dx = kDirs[p][0], dy = kDirs[p][1];
    for (int i = 0; i < H; ++i)
      for (int j = 0; j < W; ++j) {
        const int y = dy >= 0 ? i : H - 1 - i, x = dx >= 0 ? j : W - 1 - j;
        const int py = y - dy, px = x - dx;
        int* out = &ref_lr[((size_t(p) * H + y) * W + x) * D];
        if (py < 0 || py >= H || px < 0 || px >= W) {
          for (int k = 0; k < D; ++k) out[k] = cost(y, x, k);
          continue;
        }
        const int* prev = &ref_lr[((size_t(p) * H + py) * W + px) * D];
        const int pmin = *std::min_element(prev, prev + D);
        for (int k = 0; k < D; ++k) {
          int best = std::min(prev[k], pmin + P2);
          if (k > 0) best = std::min(best, prev[k - 1] + P1);
          if (k < D - 1) best = std::min(best, prev[k + 1] + P1);
          out[k] = cost(y, x, k) + best - pmin;
        }
      }
  }
  // Selection.
  std::vector<uint16_t> ref_s(H * W * D);
  std::vector<float> ref_disp(H * W), ref_conf(H * W);
  std::vector<int32_t> ref_kbest(H * W);
  for (int i = 0; i < H * W; ++i) {
    uint16_t* s = &ref_s[size_t(i) * D];
    for (int k = 0; k < D; ++k) {
      int sum = 0;
      for (int p = 0; p < PATHS; ++p) sum += ref_lr[(size_t(p) * H * W + i) * D + k];
      s[k] = uint16_t(sum);
    }
    const int kb = int(std::min_element(s, s + D) - s);
    unsigned s2 = kNone;
    for (int k = 0; k < D; ++k)
      if (std::abs(k - kb) > 1) s2 = std::min<unsigned>(s2, s[k]);
    const float s1f = float(s[kb]), s2f = float(s2);
    const bool valid = !(uniqueness > 0.f) || s2 == kNone || s2f * (100.f - uniqueness) >= s1f * 100.f;
    float d = float(kb + MIN_D);
    if (SUBPIX && D >= 3 && kb > 0 && kb < D - 1) {
      const float a = float(s[kb - 1]), b = float(s[kb + 1]);
      const float den = a + b - s1f * 2.f;
      if (den > 0.f) d = d + (a - b) / (2.f * std::fmax(den, 1.f));
    }
    float cf = s2 == kNone ? 1.f : (s2f - s1f) / std::fmax(s2f, 1.f);
    if (s2 == 0) cf = 0.f;
    ref_disp[i] = valid ? d : -1.f;
    ref_kbest[i] = kb;
    ref_conf[i] = valid ? cf : 0.f;
  }
  // Left-right check: the right view's first argmin at the matched column must agree.
  std::vector<float> ref_dlr = ref_disp, ref_clr = ref_conf;
  if (LR >= 0)
    for (int i = 0; i < H * W; ++i) {
      if (ref_disp[i] < 0.f) continue;
      const int y = i / W, x = i % W, xm = x - MIN_D - ref_kbest[i];
      bool ok = xm >= 0 && xm < W;
      if (ok) {
        int kr = 0;
        unsigned best = kNone;
        for (int k = 0; k < D; ++k) {
          const int xl = xm + MIN_D + k;
          if (xl < 0 || xl >= W) continue;
          if (ref_s[(size_t(y) * W + xl) * D + k] < best) best = ref_s[(size_t(y) * W + xl) * D + k], kr = k;
        }
        ok = std::abs(kr - ref_kbest[i]) <= LR;
      }
      if (!ok) ref_dlr[i] = -1.f, ref_clr[i] = 0.f;
    }
  // Median of the edge-clamped window, invalid (-1) values included.
  std::vector<float> ref_dmed = ref_dlr, ref_cmed = ref_clr;
  if (MS > 1)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        std::vector<float> v;
        for (int dy = -(MS / 2); dy <= MS / 2; ++dy)
          for (int dx = -(MS / 2); dx <= MS / 2; ++dx)
            v.push_back(ref_dlr[std::clamp(y + dy, 0, H - 1) * W + std::clamp(x + dx, 0, W - 1)]);
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        const float m = v[v.size() / 2];
        ref_dmed[y * W + x] = m;
        ref_cmed[y * W + x] = m >= 0.f ? ref_clr[y * W + x] : 0.f;
      }

  // The kernels, launched as sgm_core_gpu launches them; each stage reads the reference's
  // previous stage, so a failure names the stage that differs.
  std::vector<uint64_t> cl(H * W), cr(H * W);
  mlx_launch_serial({H * W}, {256}, [&] {
    robomlx_sgm_census::kernel<H, W, CW, CH>(left.data(), right.data(), cl.data(), cr.data());
  });
  check(cl, ref_cl, "census left");
  check(cr, ref_cr, "census right");
  std::vector<T> lr(PATHS * H * W * D);
  mlx_launch({32 * (W + H - 1), PATHS}, {128}, [&] {
    robomlx_sgm_aggregate::kernel<H, W, D, K, MIN_D, P1, P2, AD, OUTSIDE, T>(ref_cl.data(), ref_cr.data(), left.data(),
                                                                              right.data(), lr.data());
  });
  std::vector<T> ref_lr_t(ref_lr.begin(), ref_lr.end());
  check(lr, ref_lr_t, "path costs");
  const float params[1] = {uniqueness};
  std::vector<uint16_t> s(H * W * D);
  std::vector<float> disp(H * W), conf(H * W);
  std::vector<int32_t> kbest(H * W);
  mlx_launch({32 * H * W}, {256}, [&] {
    robomlx_sgm_select::kernel<H, W, D, K, PATHS, MIN_D, SUBPIX, T>(ref_lr_t.data(), params, s.data(), disp.data(),
                                                                    kbest.data(), conf.data());
  });
  check(s, ref_s, "S");
  check(disp, ref_disp, "disparity");
  check(kbest, ref_kbest, "k best");
  check(conf, ref_conf, "confidence");
  std::vector<float> dlr(H * W), clr(H * W);
  mlx_launch_serial({H * W}, {256}, [&] {
    robomlx_sgm_left_right::kernel<H, W, D, MIN_D, std::max(0, LR + 1)>(ref_s.data(), ref_disp.data(), ref_kbest.data(), ref_conf.data(),
                                                                        dlr.data(), clr.data());
  });
  check(dlr, ref_dlr, "left-right disparity");
  check(clr, ref_clr, "left-right confidence");
  if (MS <= 1) return;
  std::vector<float> dmed(H * W), cmed(H * W);
  mlx_launch_serial({H * W}, {256}, [&] {
    robomlx_sgm_median::kernel<H, W, MS>(ref_dlr.data(), ref_clr.data(), dmed.data(), cmed.data());
  });
  check(dmed, ref_dmed, "median disparity");
  check(cmed, ref_cmed, "median confidence");
}

}  // namespace

int main() {
  std::mt19937 rng(21);
  //  H   W   D  census paths P1  P2 min_d LR median AD   subpixel
  run<8, 12, 16, 9, 7, 8, 10, 120, 0, 1, 3, false, true>(10.f, rng);
  run<10, 17, 40, 5, 5, 4, 7, 250, 3, -1, 5, true, true>(15.f, rng);
  run<5, 30, 70, 7, 5, 8, 10, 240, 2, 0, 1, false, false>(0.f, rng);
  return emu_finish("kernels.emu.sgm");
}
