// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/reward_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "robomlx/core/io/png.h"

namespace robomlx::sim {

Canvas::Canvas(int width, int height, std::uint8_t grey) : image(Image::zeros(height, width, 3, mx::uint8)) {
  std::fill(image.bytes.begin(), image.bytes.end(), grey);
}

void Canvas::fill_rect(double x0, double y0, double x1, double y1, const std::uint8_t rgb[3]) {
  const int xa = std::max(0, int(std::floor(std::min(x0, x1)))), xb = std::min(image.width - 1, int(std::ceil(std::max(x0, x1))));
  const int ya = std::max(0, int(std::floor(std::min(y0, y1)))), yb = std::min(image.height - 1, int(std::ceil(std::max(y0, y1))));
  auto* px = image.data<std::uint8_t>();
  for (int y = ya; y <= yb; ++y)
    for (int x = xa; x <= xb; ++x)
      for (int c = 0; c < 3; ++c) px[(std::size_t(y) * image.width + x) * 3 + c] = rgb[c];
}

void Canvas::line(double x0, double y0, double x1, double y1, const std::uint8_t rgb[3], int thickness) {
  // Dense sampling along the segment (half-pixel steps) is simpler than Bresenham with thickness
  // and exact enough for plots.
  const double len = std::hypot(x1 - x0, y1 - y0);
  const int n = std::max(1, int(std::ceil(len * 2)));
  const double r = 0.5 * (thickness - 1);
  for (int i = 0; i <= n; ++i) {
    const double t = double(i) / n, x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
    fill_rect(std::round(x - r), std::round(y - r), std::round(x + r), std::round(y + r), rgb);
  }
}

void write_reward_curve(const std::string& path, const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("[sim.plot] x and y must have the same length");
  const int W = 640, H = 360, L = 40, R = 10, T = 10, B = 30;
  Canvas c(W, H);
  double xmin = x.empty() ? 0 : x.front(), xmax = x.empty() ? 1 : x.back(), ymin = 0, ymax = 0;
  for (double v : y)
    if (std::isfinite(v)) ymin = std::min(ymin, v), ymax = std::max(ymax, v);
  if (ymax - ymin < 1e-9) ymax = ymin + 1;
  if (xmax - xmin < 1e-9) xmax = xmin + 1;
  auto px = [&](double v) { return L + (v - xmin) / (xmax - xmin) * (W - L - R); };
  auto py = [&](double v) { return H - B - (v - ymin) / (ymax - ymin) * (H - T - B); };
  const std::uint8_t grid[3] = {225, 225, 225}, axis[3] = {60, 60, 60}, curve[3] = {31, 119, 180};
  for (int k = 0; k <= 5; ++k) {
    c.line(L, T + k * (H - T - B) / 5.0, W - R, T + k * (H - T - B) / 5.0, grid);
    c.line(L + k * (W - L - R) / 5.0, T, L + k * (W - L - R) / 5.0, H - B, grid);
  }
  c.line(L, py(0), W - R, py(0), axis);  // the zero line
  c.line(L, T, L, H - B, axis);
  double lx = std::numeric_limits<double>::quiet_NaN(), ly = lx;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    if (std::isfinite(lx)) c.line(px(lx), py(ly), px(x[i]), py(y[i]), curve, 2);
    lx = x[i], ly = y[i];
  }
  write_png(path, c.image);
}

}  // namespace robomlx::sim
