// SPDX-License-Identifier: Apache-2.0
#include "robomlx/stereo/depth_io.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include <mlx/mlx.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/image.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/png.h"

namespace robomlx::stereo {

namespace {

void check_disparity(const char* tag, const mx::array& d) {
  check_ndim(tag, "disparity", d, 2);
  check_dtype(tag, "disparity", d, {mx::float32});
}

bool ends_with(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

// A turbo-like colour map (dark blue -> cyan -> green -> yellow -> red -> dark red), piecewise
// linear through 11 anchors, sampled into a 256-entry table.
mx::array turbo_table() {
  static const std::uint8_t anchors[11][3] = {{48, 18, 59},   {65, 69, 171},  {70, 117, 237}, {57, 162, 252},
                                              {27, 207, 212}, {70, 247, 131}, {162, 252, 60}, {225, 221, 55},
                                              {254, 163, 49}, {230, 93, 23},  {122, 4, 3}};
  std::vector<std::uint8_t> lut(256 * 3);
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0 * 10.0;
    const int k = std::min(9, int(t));
    const double a = t - k;
    for (int c = 0; c < 3; ++c)
      lut[i * 3 + c] = std::uint8_t(std::lround((1 - a) * anchors[k][c] + a * anchors[k + 1][c]));
  }
  return mx::array(lut.begin(), {256, 3}, mx::uint8);
}

}  // namespace

mx::array disparity_to_kitti(const mx::array& disparity, mx::StreamOrDevice s) {
  check_disparity("stereo.kitti", disparity);
  const mx::array v = mx::round(mx::multiply(disparity, mx::array(256.0f), s), 0, s);
  const mx::array in_range =
      mx::logical_and(mx::greater(disparity, mx::array(0.0f), s), mx::less_equal(v, mx::array(65535.0f), s), s);
  const mx::array ok = mx::logical_and(mx::isfinite(v, s), in_range, s);
  return mx::astype(mx::where(ok, mx::maximum(v, mx::array(1.0f), s), mx::array(0.0f), s), mx::uint16, s);
}

mx::array kitti_to_disparity(const mx::array& kitti, mx::StreamOrDevice s) {
  check_ndim("stereo.kitti", "kitti", kitti, 2);
  check_dtype("stereo.kitti", "kitti", kitti, {mx::uint16});
  const mx::array f = mx::astype(kitti, mx::float32, s);
  return mx::where(mx::greater(f, mx::array(0.0f), s), mx::divide(f, mx::array(256.0f), s), mx::array(-1.0f), s);
}

void write_kitti_disparity(const std::string& path, const mx::array& disparity) {
  write_png(path, Image::from_array(disparity_to_kitti(disparity)));
}

mx::array read_kitti_disparity(const std::string& path) {
  Image im = read_png(path);
  if (im.dtype != mx::uint16 || im.channels != 1)
    throw FormatError(path, "KITTI disparity must be a 16-bit single-channel PNG");
  return kitti_to_disparity(im.to_array_2d());
}

void write_pfm(const std::string& path, const mx::array& disparity) {
  check_disparity("stereo.pfm", disparity);
  const mx::array stored = mx::where(mx::logical_and(disparity >= 0.0f, mx::isfinite(disparity)), disparity,
                                     mx::array(std::numeric_limits<float>::infinity()));
  mx::array host = mx::contiguous(stored);
  mx::eval(host);
  const int h = disparity.shape(0), w = disparity.shape(1);
  AtomicFile file(path);
  // A negative scale marks little endian; rows go bottom to top.
  file.write("Pf\n" + std::to_string(w) + " " + std::to_string(h) + "\n-1.0\n");
  const float* data = host.data<float>();
  std::vector<std::uint8_t> row(std::size_t(w) * 4);
  for (int y = h - 1; y >= 0; --y) {
    for (int x = 0; x < w; ++x) {
      std::uint32_t bits = std::bit_cast<std::uint32_t>(data[std::size_t(y) * w + x]);
      for (int b = 0; b < 4; ++b) row[x * 4 + b] = std::uint8_t(bits >> (8 * b));
    }
    file.write(row.data(), row.size());
  }
  file.commit();
}

mx::array read_pfm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open PFM file");
  std::string magic;
  long long w = 0, h = 0;
  std::string scale_text;
  in >> magic;
  if (magic != "Pf") throw FormatError(path, "PFM magic must be 'Pf' (one channel), got '" + magic.substr(0, 8) + "'");
  if (!(in >> w >> h) || w <= 0 || h <= 0 || w > (1 << 16) || h > (1 << 16))
    throw FormatError(path, "PFM width/height must be positive integers <= 65536");
  if (!(in >> scale_text)) throw FormatError(path, "PFM scale missing");
  double scale = 0;
  std::istringstream scale_in(scale_text);
  scale_in.imbue(std::locale::classic());
  if (!(scale_in >> scale) || scale == 0 || !std::isfinite(scale))
    throw FormatError(path, "PFM scale must be a non-zero number, got '" + scale_text + "'");
  in.get();  // the single whitespace byte before the payload
  const bool little = scale < 0;
  // The size policy, then the payload against the bytes left, before allocating for it.
  check_image_size(std::uint64_t(w), std::uint64_t(h), path, "PFM image");
  const std::streamoff here = in.tellg();
  in.seekg(0, std::ios::end);
  const std::streamoff left = in.tellg() - here;
  in.seekg(here);
  if (here < 0 || left < std::streamoff(std::size_t(w) * h * 4))
    throw FormatError(path, "PFM payload is shorter than " + std::to_string(std::size_t(w) * h * 4) + " bytes");
  std::vector<std::uint8_t> bytes(std::size_t(w) * h * 4);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size())))
    throw FormatError(path, "PFM payload is shorter than " + std::to_string(bytes.size()) + " bytes");
  std::vector<float> out(std::size_t(w) * h);
  for (long long y = 0; y < h; ++y) {
    for (long long x = 0; x < w; ++x) {
      const std::uint8_t* p = &bytes[(std::size_t(h - 1 - y) * w + x) * 4];
      std::uint32_t bits = 0;
      for (int b = 0; b < 4; ++b) bits |= std::uint32_t(p[little ? b : 3 - b]) << (8 * b);
      const float v = std::bit_cast<float>(bits);
      out[std::size_t(y) * w + x] = std::isfinite(v) ? v : -1.0f;
    }
  }
  return mx::array(out.begin(), {int(h), int(w)}, mx::float32);
}

void write_disparity(const std::string& path, const mx::array& disparity) {
  if (ends_with(path, ".pfm")) {
    write_pfm(path, disparity);
  } else {
    write_kitti_disparity(path, disparity);
  }
}

mx::array colorize_disparity(const mx::array& disparity, float lo, float hi, mx::StreamOrDevice s) {
  check_disparity("stereo.colorize", disparity);
  const mx::array valid =
      mx::logical_and(mx::greater_equal(disparity, mx::array(0.0f), s), mx::isfinite(disparity, s), s);
  if (!(hi > lo)) {
    const mx::array vmin = mx::min(mx::where(valid, disparity, mx::array(std::numeric_limits<float>::max()), s), false, s);
    const mx::array vmax = mx::max(mx::where(valid, disparity, mx::array(0.0f), s), false, s);
    mx::eval(vmin, vmax);
    lo = vmin.item<float>();
    hi = vmax.item<float>();
    if (!(hi > lo)) hi = lo + 1.0f;
  }
  const mx::array scaled = mx::divide(mx::subtract(disparity, mx::array(lo), s), mx::array(hi - lo), s);
  const mx::array t = mx::clip(scaled, mx::array(0.0f), mx::array(1.0f), s);
  const mx::array level = mx::multiply(mx::where(valid, t, mx::array(0.0f), s), mx::array(255.0f), s);
  const mx::array idx = mx::astype(mx::round(level, 0, s), mx::int32, s);
  const mx::array rgb = mx::take(turbo_table(), idx, 0, s);
  return mx::where(mx::expand_dims(valid, -1, s), rgb, mx::zeros_like(rgb, s), s);
}

}  // namespace robomlx::stereo
