// SPDX-License-Identifier: Apache-2.0
// The libSGM peer of `robomlx bench stereo` (issue 19): times fixstars/libSGM's sgm::StereoSGM
// on one rectified grey pair and, given Middlebury ground truth, scores the disparity with the
// rule of `robomlx stereo eval` (bad-X over mask != 0 and gt > 0, |d - gt| > X strictly, invalid
// pixels count as errors; "filled" = each invalid pixel takes the nearest valid one on its row,
// the smaller on a tie). Prints one JSON object on stdout.
//
// This file is robomlx's own code against libSGM's public header (libsgm.h); libSGM itself is
// built from its own tree by scripts/gpu-peers-stereo and never enters the repository.
//
//   libsgm_bench --left L --right R [--disp 64|128|256] [--paths 4|8] [--p1 10] [--p2 120]
//                [--uniqueness 0.90] [--subpixel 1] [--lr 1] [--census 9x7|sym9x7]
//                [--warmup 3] [--repeats 20] [--out disp.pfm]
//                [--gt groundtruth.png --gt-scale 4 --mask nonocc.png]
//   libsgm_bench --score disp.pfm --gt ... --gt-scale ... --mask ...   (no GPU: scores a PFM)
//   libsgm_bench --left in.png --to-pgm out.pgm   (no GPU: the grey image libSGM would get)
//
// Images: binary PGM (P5, 8-bit) or PNG (8-bit grey, RGB or RGBA; colour becomes grey with
// robomlx's rgb_to_grey weights 0.299 / 0.587 / 0.114, rounded half to even).
// Timing: inputs and output stay on the device (EXECUTE_INOUT_CUDA2CUDA), so a sample is
// libSGM's whole pipeline (census .. LR check) between two device synchronisations, measured
// with steady_clock and with CUDA events on the legacy default stream (libSGM's path streams
// are blocking streams, so the events enclose them).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <png.h>

#ifndef LIBSGM_BENCH_SCORE_ONLY
#include <cuda_runtime.h>
#include <libsgm.h>
#endif

namespace {

struct Grey {
  int w = 0, h = 0;
  std::vector<std::uint8_t> px;
};

[[noreturn]] void fail(const std::string& msg) { throw std::runtime_error(msg); }

Grey read_pgm(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("cannot open " + path);
  std::string magic;
  f >> magic;
  if (magic != "P5") fail(path + ": not a binary PGM (P5)");
  auto next_int = [&] {
    while (true) {
      f >> std::ws;
      if (f.peek() == '#') {
        std::string skip;
        std::getline(f, skip);
        continue;
      }
      int v = -1;
      if (!(f >> v)) fail(path + ": bad PGM header");
      return v;
    }
  };
  Grey g;
  g.w = next_int();
  g.h = next_int();
  const int maxval = next_int();
  if (maxval > 255) fail(path + ": only 8-bit PGM");
  f.get();  // the single whitespace after maxval
  g.px.resize(std::size_t(g.w) * g.h);
  if (!f.read(reinterpret_cast<char*>(g.px.data()), std::streamsize(g.px.size()))) fail(path + ": short PGM payload");
  return g;
}

// robomlx's rgb_to_grey: float32 (0.299 r + 0.587 g) + 0.114 b, rounded half to even.
std::uint8_t grey_of(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  const float v = (0.299f * float(r) + 0.587f * float(g)) + 0.114f * float(b);
  return std::uint8_t(std::clamp(std::nearbyint(v), 0.f, 255.f));
}

// Low-level libpng with only expansions (palette, low bit depths, tRNS) and 16 -> 8 bits: no
// gamma or colour-space handling, so the samples are the file's own, as robomlx's reader sees them.
Grey read_png_grey(const std::string& path) {
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) fail("cannot open " + path);
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(fp);
    fail(path + ": not a readable PNG");
  }
  png_init_io(png, fp);
  png_read_png(png, info, PNG_TRANSFORM_EXPAND | PNG_TRANSFORM_STRIP_16 | PNG_TRANSFORM_PACKING, nullptr);
  Grey g;
  g.w = int(png_get_image_width(png, info));
  g.h = int(png_get_image_height(png, info));
  const int c = png_get_channels(png, info);
  png_bytepp rows = png_get_rows(png, info);
  g.px.resize(std::size_t(g.w) * g.h);
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) {
      const png_bytep p = rows[y] + std::size_t(x) * c;
      // 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (alpha dropped, as robomlx does).
      g.px[std::size_t(y) * g.w + x] = c <= 2 ? p[0] : grey_of(p[0], p[1], p[2]);
    }
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(fp);
  return g;
}

Grey read_grey(const std::string& path) {
  const auto ext = path.size() > 4 ? path.substr(path.size() - 4) : "";
  return ext == ".pgm" ? read_pgm(path) : read_png_grey(path);
}

// PFM, little-endian (scale -1), rows bottom to top (the format's order); invalid = -1.
[[maybe_unused]] void write_pfm(const std::string& path, int w, int h, const std::vector<float>& d) {
  std::ofstream f(path, std::ios::binary);
  if (!f) fail("cannot write " + path);
  f << "Pf\n" << w << " " << h << "\n-1\n";
  for (int y = h - 1; y >= 0; --y) f.write(reinterpret_cast<const char*>(&d[std::size_t(y) * w]), std::streamsize(w) * 4);
}

std::vector<float> read_pfm(const std::string& path, int& w, int& h) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("cannot open " + path);
  std::string magic;
  double scale = 0;
  f >> magic >> w >> h >> scale;
  if (magic != "Pf") fail(path + ": not a grey PFM (Pf)");
  f.get();
  std::vector<float> d(std::size_t(w) * h);
  for (int y = h - 1; y >= 0; --y)
    if (!f.read(reinterpret_cast<char*>(&d[std::size_t(y) * w]), std::streamsize(w) * 4)) fail(path + ": short PFM");
  if (scale > 0) {  // big-endian payload
    for (auto& v : d) {
      std::uint32_t u;
      std::memcpy(&u, &v, 4);
      u = __builtin_bswap32(u);
      std::memcpy(&v, &u, 4);
    }
  }
  return d;
}

bool valid(float d) { return std::isfinite(d) && d >= 0.f; }

// Nearest valid pixel on the row (the smaller disparity when both sides are as near): the
// background side, as robomlx's "filled" rule.
std::vector<float> filled(std::vector<float> d, int w, int h) {
  for (int y = 0; y < h; ++y) {
    float* row = &d[std::size_t(y) * w];
    const std::vector<float> orig(row, row + w);
    for (int x = 0; x < w; ++x) {
      if (valid(orig[x])) continue;
      int l = x - 1, r = x + 1;
      while (l >= 0 && !valid(orig[l])) --l;
      while (r < w && !valid(orig[r])) ++r;
      const bool hl = l >= 0, hr = r < w;
      if (!hl && !hr) row[x] = -1.f;
      else if (!hl) row[x] = orig[r];
      else if (!hr) row[x] = orig[l];
      else if (x - l != r - x) row[x] = (x - l < r - x) ? orig[l] : orig[r];
      else row[x] = std::min(orig[l], orig[r]);
    }
  }
  return d;
}

struct Scores {
  long evaluated = 0;
  double bad1 = 0, bad2 = 0, bad2_filled = 0, density = 0;
};

Scores score(const std::vector<float>& d, const Grey& gt, double gt_scale, const Grey& mask) {
  const auto f = filled(d, gt.w, gt.h);
  Scores s;
  long b1 = 0, b2 = 0, b2f = 0, nv = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double g = gt.px[i] / gt_scale;
    if (mask.px[i] == 0 || g <= 0) continue;
    ++s.evaluated;
    if (valid(d[i])) {
      ++nv;
      b1 += std::abs(d[i] - g) > 1.0;
      b2 += std::abs(d[i] - g) > 2.0;
    } else {
      ++b1, ++b2;
    }
    b2f += !valid(f[i]) || std::abs(f[i] - g) > 2.0;
  }
  if (s.evaluated) {
    const double pct = 100.0 / s.evaluated;
    s.bad1 = b1 * pct, s.bad2 = b2 * pct, s.bad2_filled = b2f * pct, s.density = nv * pct;
  }
  return s;
}

struct Stats {
  double median = 0, p10 = 0, p90 = 0, min = 0;
};

[[maybe_unused]] Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[std::min(v.size() - 1, std::size_t(p * (v.size() - 1) + 0.5))]; };
  const std::size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.p10 = q(0.1), s.p90 = q(0.9), s.min = v.front();
  return s;
}

[[maybe_unused]] std::string json_stats(const Stats& s) {
  std::ostringstream o;
  o.precision(9);
  o << "{\"median_ms\": " << s.median << ", \"p10_ms\": " << s.p10 << ", \"p90_ms\": " << s.p90
    << ", \"min_ms\": " << s.min << "}";
  return o.str();
}

std::string json_scores(const Scores& s) {
  std::ostringstream o;
  o.precision(9);
  o << "{\"evaluated\": " << s.evaluated << ", \"bad1\": " << s.bad1 << ", \"bad2\": " << s.bad2
    << ", \"bad2_filled\": " << s.bad2_filled << ", \"density\": " << s.density << "}";
  return o.str();
}

#ifndef LIBSGM_BENCH_SCORE_ONLY
void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) fail(std::string(what) + ": " + cudaGetErrorString(e));
}
#endif

}  // namespace

int main(int argc, char** argv) try {
  std::map<std::string, std::string> a = {{"disp", "128"}, {"paths", "8"},   {"p1", "10"},      {"p2", "120"},
                                          {"uniqueness", "0.90"}, {"subpixel", "1"}, {"lr", "1"},
                                          {"census", "9x7"}, {"warmup", "3"}, {"repeats", "20"}, {"gt-scale", "1"}};
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) fail("usage: see the header of scripts/peers/libsgm_bench.cpp (at " + k + ")");
    a[k.substr(2)] = argv[++i];
  }
  const bool has_gt = a.count("gt") && a.count("mask");
  Grey gt, mask;
  if (has_gt) {
    gt = read_grey(a["gt"]);
    mask = read_grey(a["mask"]);
  }
  const double gt_scale = std::stod(a["gt-scale"]);
  std::ostringstream js;
  js.precision(6);

  if (a.count("to-pgm")) {
    const Grey g = read_grey(a.at("left"));
    std::ofstream f(a["to-pgm"], std::ios::binary);
    f << "P5\n" << g.w << " " << g.h << "\n255\n";
    f.write(reinterpret_cast<const char*>(g.px.data()), std::streamsize(g.px.size()));
    if (!f) fail("cannot write " + a["to-pgm"]);
    return 0;
  }
  if (a.count("score")) {  // score a given disparity (e.g. robomlx's PFM) with this file's rule
    if (!has_gt) fail("--score needs --gt and --mask");
    int w = 0, h = 0;
    const auto d = read_pfm(a["score"], w, h);
    if (w != gt.w || h != gt.h) fail("--score: disparity and ground truth differ in size");
    std::printf("{\"score\": \"%s\", \"nonocc\": %s}\n", a["score"].c_str(), json_scores(score(d, gt, gt_scale, mask)).c_str());
    return 0;
  }
#ifdef LIBSGM_BENCH_SCORE_ONLY
  fail("built with LIBSGM_BENCH_SCORE_ONLY: only --score works");
#else
  const Grey L = read_grey(a.at("left")), R = read_grey(a.at("right"));
  if (L.w != R.w || L.h != R.h) fail("left and right differ in size");
  if (has_gt && (gt.w != L.w || gt.h != L.h || mask.w != L.w || mask.h != L.h)) fail("gt/mask differ in size from the pair");
  const int w = L.w, h = L.h, nd = std::stoi(a["disp"]), paths = std::stoi(a["paths"]);
  const bool subpixel = a["subpixel"] != "0";
  const std::string census = a["census"];
  if (paths != 4 && paths != 8) fail("--paths must be 4 or 8");
  if (census != "9x7" && census != "sym9x7") fail("--census must be 9x7 or sym9x7");
  sgm::StereoSGM::Parameters prm(std::stoi(a["p1"]), std::stoi(a["p2"]), std::stof(a["uniqueness"]), subpixel,
                                 paths == 4 ? sgm::PathType::SCAN_4PATH : sgm::PathType::SCAN_8PATH, 0,
                                 std::stoi(a["lr"]),
                                 census == "9x7" ? sgm::CensusType::CENSUS_9x7 : sgm::CensusType::SYMMETRIC_CENSUS_9x7);

  std::uint8_t *dl = nullptr, *dr = nullptr;
  std::uint16_t* dd = nullptr;
  cuda_check(cudaMalloc(&dl, L.px.size()), "cudaMalloc");
  cuda_check(cudaMalloc(&dr, R.px.size()), "cudaMalloc");
  cuda_check(cudaMalloc(&dd, L.px.size() * 2), "cudaMalloc");
  cuda_check(cudaMemcpy(dl, L.px.data(), L.px.size(), cudaMemcpyHostToDevice), "upload");
  cuda_check(cudaMemcpy(dr, R.px.data(), R.px.size(), cudaMemcpyHostToDevice), "upload");
  // 16-bit output: required for subpixel (4 fraction bits), kept for integers too.
  sgm::StereoSGM sgm(w, h, nd, 8, 16, sgm::EXECUTE_INOUT_CUDA2CUDA, prm);
  cudaEvent_t e0, e1;
  cuda_check(cudaEventCreate(&e0), "event");
  cuda_check(cudaEventCreate(&e1), "event");
  for (int i = 0, n = std::stoi(a["warmup"]); i < n; ++i) sgm.execute(dl, dr, dd);
  cuda_check(cudaDeviceSynchronize(), "warm-up");
  std::vector<double> wall, ev;
  for (int i = 0, n = std::stoi(a["repeats"]); i < n; ++i) {
    cuda_check(cudaDeviceSynchronize(), "sync");
    const auto t0 = std::chrono::steady_clock::now();
    cudaEventRecord(e0);
    sgm.execute(dl, dr, dd);
    cudaEventRecord(e1);
    cuda_check(cudaDeviceSynchronize(), "execute");
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    ev.push_back(ms);
  }
  std::vector<std::uint16_t> raw(L.px.size());
  cuda_check(cudaMemcpy(raw.data(), dd, raw.size() * 2, cudaMemcpyDeviceToHost), "download");
  // Invalid = get_invalid_disparity() (-1 or -16 as int16); valid values are d * 16 with subpixel.
  const int invalid = sgm.get_invalid_disparity();
  const float unit = subpixel ? 1.f / sgm::StereoSGM::SUBPIXEL_SCALE : 1.f;
  std::vector<float> disp(raw.size());
  long nvalid = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const int v = std::int16_t(raw[i]);
    disp[i] = (v == invalid || v < 0) ? -1.f : float(v) * unit;
    nvalid += disp[i] >= 0;
  }
  if (a.count("out")) write_pfm(a["out"], w, h, disp);
  cudaDeviceProp prop{};
  int dev = 0;
  cudaGetDevice(&dev);
  cudaGetDeviceProperties(&prop, dev);
  js << "{\"peer\": \"libSGM\", \"device\": \"" << prop.name << "\", \"width\": " << w << ", \"height\": " << h
     << ", \"num_disparities\": " << nd << ", \"paths\": " << paths << ", \"census\": \"" << census
     << "\", \"p1\": " << prm.P1 << ", \"p2\": " << prm.P2 << ", \"uniqueness\": " << prm.uniqueness
     << ", \"subpixel\": " << (subpixel ? "true" : "false") << ", \"lr_max_diff\": " << prm.LR_max_diff
     << ", \"samples\": " << wall.size() << ", \"wall\": " << json_stats(stats(wall))
     << ", \"cuda_event\": " << json_stats(stats(ev)) << ", \"valid_pct\": " << 100.0 * nvalid / disp.size();
  if (has_gt) js << ", \"nonocc\": " << json_scores(score(disp, gt, gt_scale, mask));
  js << "}";
  std::printf("%s\n", js.str().c_str());
  cudaFree(dl), cudaFree(dr), cudaFree(dd);
  return 0;
#endif
} catch (const std::exception& e) {
  std::fprintf(stderr, "libsgm_bench: %s\n", e.what());
  return 1;
}
