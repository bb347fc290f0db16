// SPDX-License-Identifier: Apache-2.0
// `robomlx bench stereo`: SGM on 1280x720 (128 disparities) and 672x376 ZED VGA (64), from the
// Middlebury cones pair scaled and tiled (synthetic texture when shared/ is missing), with
// OpenCV StereoSGBM (MODE_SGBM_3WAY, block 5, same range) timed in the same run on the CPU.
// Metrics: speedup_vs_opencv = OpenCV median / ours; Mpix*D/s = H*W*D / time; nodes = MLX graph
// nodes of one frame, kernels = those that launch work (views and reshapes excluded).
// The portable path at 1280x720 (the GPU target case) is timed on GPUs; on the CPU only with
// ROBOMLX_BENCH_SGM_PORTABLE=all, as it takes seconds there; =none leaves it out everywhere.
// For peers run outside this process (scripts/gpu-peers-stereo, libSGM):
//   ROBOMLX_BENCH_STEREO_SIZES="1280x720:128,1024x440:64" replaces the sizes (WxH:disparities);
//   ROBOMLX_BENCH_STEREO_PAIRS=<dir> reads each size's pair from <dir>/<W>x<H>_{left,right}.pgm,
//   or, when absent, writes the pair it builds there first, so a peer gets the very same pixels.
// Without OpenCV the Middlebury pair is built with robomlx's own PNG reader and a bilinear scaler
// here (OpenCV's INTER_LINEAR rule, then rounded to grey levels) instead of falling back to random texture (ROBOMLX_BENCH_STEREO_RESAMPLE=robomlx
// picks that path with OpenCV present too).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/primitives.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/error.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/stereo/sgm.h"
#include "robomlx/stereo/sgm_opencv_peer.h"
#include "robomlx/stereo/video.h"

namespace robomlx {

namespace {
std::string find_shared() {
  if (const char* env = std::getenv("ROBOMLX_SHARED_DIR"); env && *env) return env;
  for (const char* c : {"../shared", "../../shared", "/work/shared"})
    if (std::filesystem::exists(std::string(c) + "/data/stereo/middlebury-v2")) return c;
  return "";
}

// Bilinear with pixel centres at +0.5 (OpenCV's INTER_LINEAR, which the OpenCV pair uses; the
// cones image is only ever enlarged here, so no antialiasing is needed). grey: float32 [H, W].
std::vector<float> scale_rows_cols(const std::vector<float>& grey, int gh, int gw, int h, int sw) {
  std::vector<float> out(std::size_t(h) * sw);
  auto axis = [](int o, int n_in, int n_out) {
    const double x = std::clamp((o + 0.5) * n_in / n_out - 0.5, 0.0, double(n_in - 1));
    const int i0 = std::min(int(x), n_in - 1);
    return std::pair<int, float>{i0, float(x - i0)};
  };
  for (int y = 0; y < h; ++y) {
    const auto [y0, fy] = axis(y, gh, h);
    const int y1 = std::min(y0 + 1, gh - 1);
    for (int x = 0; x < sw; ++x) {
      const auto [x0, fx] = axis(x, gw, sw);
      const int x1 = std::min(x0 + 1, gw - 1);
      auto at = [&](int yy, int xx) { return grey[std::size_t(yy) * gw + xx]; };
      out[std::size_t(y) * sw + x] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
                                     fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
    }
  }
  return out;
}

// The cones image scaled to height h and repeated along the rows to width w, as
// middlebury_bench_pair does with OpenCV.
mx::array scaled_tiled(const std::string& path, int h, int w) {
  mx::array grey = mx::astype(stereo::rgb_to_grey(read_png(path).to_array(), mx::Device::cpu), mx::float32, mx::Device::cpu);
  mx::eval(grey);
  const int gh = grey.shape(0), gw = grey.shape(1);
  const std::vector<float> in(grey.data<float>(), grey.data<float>() + grey.size());
  const int sw = std::max(1, int(std::lround(double(gw) * h / gh)));
  const std::vector<float> scaled = scale_rows_cols(in, gh, gw, h, sw);
  const mx::array img(scaled.begin(), {h, sw}, mx::float32);
  // Plain repetition (a mirrored copy would flip the sign of the disparities); rounded to grey levels.
  const int reps = (w + sw - 1) / sw;
  return mx::round(mx::slice(mx::tile(img, {1, reps}, mx::Device::cpu), {0, 0}, {h, w}, mx::Device::cpu), 0,
                   mx::Device::cpu);
}

std::pair<mx::array, mx::array> built_pair(int h, int w) {
  const std::string shared = find_shared();
  if (!shared.empty()) {
    const std::string dir = shared + "/data/stereo/middlebury-v2/cones/";
    const char* how = std::getenv("ROBOMLX_BENCH_STEREO_RESAMPLE");  // "robomlx": skip OpenCV's (a test hook)
    if (how && std::string(how) == "robomlx") return {scaled_tiled(dir + "imL.png", h, w), scaled_tiled(dir + "imR.png", h, w)};
    try {
      return stereo::middlebury_bench_pair(shared, h, w);
    } catch (const UnsupportedFeatureError& e) {
      std::cout << "note: " << e.what() << "; the pair is resampled by robomlx instead\n";
      return {scaled_tiled(dir + "imL.png", h, w), scaled_tiled(dir + "imR.png", h, w)};
    }
  }
  // Random texture shifted by 20 px: same work, unrealistic scene.
  auto wide = mx::floor(mx::multiply(mx::random::uniform({h, w + 20}, mx::float32, mx::random::key(1)), mx::array(256.f)));
  return {mx::slice(wide, {0, 0}, {h, w}), mx::slice(wide, {0, 20}, {h, w + 20})};
}

// ROBOMLX_BENCH_STEREO_PAIRS: the pair read from (or first written to) <dir>/<W>x<H>_{left,right}.pgm.
std::pair<mx::array, mx::array> bench_pair(int h, int w) {
  const char* dir = std::getenv("ROBOMLX_BENCH_STEREO_PAIRS");
  if (!dir || !*dir) return built_pair(h, w);
  const std::string stem = std::string(dir) + "/" + std::to_string(w) + "x" + std::to_string(h);
  const std::string lp = stem + "_left.pgm", rp = stem + "_right.pgm";
  if (!std::filesystem::exists(lp) || !std::filesystem::exists(rp)) {
    auto [l, r] = built_pair(h, w);
    std::filesystem::create_directories(dir);
    auto u8 = [](const mx::array& a) {
      return mx::astype(mx::clip(mx::round(a, 0, mx::Device::cpu), mx::array(0.f), mx::array(255.f), mx::Device::cpu),
                        mx::uint8, mx::Device::cpu);
    };
    write_pnm(lp, Image::from_array(u8(l)));
    write_pnm(rp, Image::from_array(u8(r)));
  }
  auto read = [&](const std::string& p) {
    const Image im = read_pnm(p);
    if (im.channels != 1 || im.dtype != mx::uint8 || im.height != h || im.width != w)
      throw FormatError(p, "must be an 8-bit PGM of " + std::to_string(w) + "x" + std::to_string(h));
    return mx::astype(im.to_array_2d(), mx::float32);
  };
  return {read(lp), read(rp)};
}

struct Size {
  int h, w, nd;
  std::string label;
};

// "1280x720:128,1024x440:64" (ROBOMLX_BENCH_STEREO_SIZES); std::invalid_argument on a bad entry.
std::vector<Size> parse_sizes(const std::string& text) {
  std::vector<Size> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    const std::size_t j = std::min(text.find(',', i), text.size());
    const std::string e = text.substr(i, j - i);
    int w = 0, h = 0, nd = 0;
    char x = 0, c = 0, extra = 0;
    if (std::sscanf(e.c_str(), "%d%c%d%c%d%c", &w, &x, &h, &c, &nd, &extra) != 5 || x != 'x' || c != ':' || w < 8 ||
        h < 8 || nd < 1 || nd > 256)
      throw std::invalid_argument("[stereo.bench] ROBOMLX_BENCH_STEREO_SIZES entries must be WxH:D (W, H >= 8, "
                                  "1 <= D <= 256), got \"" + e + "\"");
    out.push_back({h, w, nd, std::to_string(w) + "x" + std::to_string(h) + " D=" + std::to_string(nd)});
    i = j + 1;
  }
  return out;
}

void sgm_suite(BenchContext& ctx) {
  std::vector<Size> sizes = {{376, 672, 64, "672x376 D=64"}, {720, 1280, 128, "1280x720 D=128"}};
  if (ctx.quick) sizes = {{188, 336, 32, "336x188 D=32"}};
  if (const char* env = std::getenv("ROBOMLX_BENCH_STEREO_SIZES"); env && *env) sizes = parse_sizes(env);
  const bool on_cpu = ctx.device().type == mx::Device::cpu;
  const std::string portable_env = std::getenv("ROBOMLX_BENCH_SGM_PORTABLE") ? std::getenv("ROBOMLX_BENCH_SGM_PORTABLE") : "";
  const bool portable_all = !on_cpu || portable_env == "all", portable_none = portable_env == "none";
  for (const auto& s : sizes) {
    auto [left, right] = bench_pair(s.h, s.w);
    auto left8 = mx::astype(left, mx::uint8), right8 = mx::astype(right, mx::uint8);
    mx::eval(left8, right8);
    // Copy the time: results() grows (and may move) with every later case.
    double cv_ms = 0;  // 0: no OpenCV in this build, so no ratio
    try {
      cv_ms = ctx.run_host("opencv SGBM_3WAY " + s.label,
                           [&] { mx::eval(stereo::opencv_sgbm(left8, right8, s.nd)); }, "opencv")
                  .median_ms;
    } catch (const UnsupportedFeatureError& e) {
      std::cout << "note: " << e.what() << "\n";
    }
    auto case_ = [&](const std::string& name, stereo::SgmOptions o, Impl impl) {
      o.num_disparities = s.nd;
      // Forces the core ("stereo.sgm"); the refinement ("stereo.refine") picks by the device.
      ScopedImpl scope(impl, "stereo.sgm");
      auto& r = ctx.run(name + " " + s.label, [&] {
        auto out = stereo::compute_disparity(left8, right8, o, ctx.device());
        return std::vector<mx::array>{out.disparity, out.confidence};
      }, to_string(impl));
      if (r.samples == 0) return;  // filtered out
      if (cv_ms > 0) r.metrics["speedup_vs_opencv"] = cv_ms / r.median_ms;
      r.metrics["Mpix*D/s"] = double(s.h) * s.w * s.nd / (r.median_ms * 1e3);
      auto out = stereo::compute_disparity(left8, right8, o, ctx.device());
      const auto g = graph_size({out.disparity, out.confidence});
      r.metrics["nodes"] = g.nodes;
      r.metrics["kernels"] = g.kernels;
    };
    stereo::SgmOptions def;
    const Impl fast = on_cpu ? Impl::cpu : Impl::cuda;
    case_("sgm census 8-path", def, fast);
    stereo::SgmOptions four = def;
    four.paths = 4;
    case_("sgm census 4-path", four, fast);
    four.cost = "ad_census";
    case_("sgm ad_census 4-path", four, fast);
    // The fast preset (tests/stereo/sgm_quality_test.cpp: Middlebury bad-2.0 3.6% vs SGBM 4.2%);
    // on the CPU its whole pyramid is one host op (sgm_cpu_refine.cpp).
    stereo::SgmOptions pyr = def;
    pyr.paths = 4;
    pyr.cost = "ad_census";
    pyr.pyramid_factor = 2;
    pyr.refinement_radius = 1;
    case_("sgm fast adc4 pyr2 ref1", pyr, fast);
    // The portable path: what a GPU without custom kernels runs (the 1280x720 case is its target).
    // A failure (e.g. a GPU launch limit) is printed, so the rows before it still count.
    if (!portable_none && (portable_all || s.w <= 672)) {
      try {
        case_("sgm census 8-path", def, Impl::portable);
      } catch (const std::exception& e) {
        std::cout << "note: portable " << s.label << " failed: " << e.what() << "\n";
      }
    }
  }
}
}  // namespace

ROBOMLX_BENCH_SUITE(stereo, "SGM stereo matcher (CPU twin / portable / CUDA) vs OpenCV StereoSGBM", sgm_suite);

}  // namespace robomlx
