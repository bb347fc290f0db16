// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/sim_render.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "robomlx/core/error.h"
#include "robomlx/sim/cart_double_pendulum_env.h"
#include "robomlx/sim/reward_plot.h"

namespace robomlx::sim {

namespace {

constexpr std::uint8_t kRail[3] = {150, 150, 150}, kCart[3] = {60, 110, 180}, kPole[3] = {200, 120, 40},
                       kPend[3] = {120, 60, 160}, kGoal[3] = {40, 160, 60}, kBody[3] = {30, 30, 30};

// World metres to pixels: x in [-3.5, 3.5] across the width, heights above the rail line.
struct View {
  double scale = kFrameWidth / 7.0, x0 = kFrameWidth / 2.0, y0 = kFrameHeight * 0.75;
  double px(double x) const { return x0 + scale * x; }
  double py(double z) const { return y0 - scale * z; }
};

void draw_cart_chain(Canvas& c, double x, const std::vector<double>& angles, double pole_length) {
  const View v;
  c.line(v.px(-3), v.py(0), v.px(3), v.py(0), kRail, 2);
  c.line(v.px(-3), v.py(-0.1), v.px(-3), v.py(0.1), kRail, 2);
  c.line(v.px(3), v.py(-0.1), v.px(3), v.py(0.1), kRail, 2);
  c.fill_rect(v.px(x - 0.2), v.py(0.1), v.px(x + 0.2), v.py(-0.1), kCart);
  double hx = x, hz = 0, absolute = 0;
  for (std::size_t i = 0; i < angles.size(); ++i) {
    absolute += angles[i];  // joint angles are relative to the link below; 0 is upright
    const double tx = hx + pole_length * std::sin(absolute), tz = hz + pole_length * std::cos(absolute);
    c.line(v.px(hx), v.py(hz), v.px(tx), v.py(tz), i == 0 ? kPole : kPend, 3);
    hx = tx, hz = tz;
  }
}

void draw_quadcopter(Canvas& c, const float* s) {
  // x-z plane, z from 0 (bottom) to 2.5 m, x in [-2.5, 2.5].
  const double scale = kFrameHeight / 2.6, x0 = kFrameWidth / 2.0, y0 = kFrameHeight - 4;
  auto px = [&](double x) { return x0 + scale * x; };
  auto py = [&](double z) { return y0 - scale * z; };
  c.line(0, py(0), kFrameWidth, py(0), kRail, 1);
  c.line(0, py(2), kFrameWidth, py(2), kRail, 1);  // the ceiling where the body dies
  c.fill_rect(px(s[13]) - 3, py(s[15]) - 3, px(s[13]) + 3, py(s[15]) + 3, kGoal);
  // Body x axis in the world: the rotation's first column (w, x, y, z quaternion).
  const double w = s[3], qx = s[4], qy = s[5], qz = s[6];
  const double ax = 1 - 2 * (qy * qy + qz * qz), az = 2 * (qx * qz - w * qy);
  const double bx = 2 * (qx * qz + w * qy), bz = 1 - 2 * (qx * qx + qy * qy);  // body z axis
  const double arm = 0.12;  // drawn larger than the 4.6 cm of a Crazyflie arm, to be seen
  c.line(px(s[0] - arm * ax), py(s[2] - arm * az), px(s[0] + arm * ax), py(s[2] + arm * az), kBody, 3);
  c.line(px(s[0]), py(s[2]), px(s[0] + 0.08 * bx), py(s[2] + 0.08 * bz), kPole, 2);
}

// x-z side view of capsules (7 floats each), 80 px per metre, ground near the bottom, centred on
// the bodies' mean x so a walking robot stays in frame; a tick on the ground every metre shows
// the motion.
void draw_capsules(Canvas& c, const std::vector<float>& caps) {
  const double scale = 80, ground = kFrameHeight - 12;
  double mean_x = 0;
  const std::size_t n = caps.size() / 7;
  for (std::size_t i = 0; i < n; ++i) mean_x += 0.5 * (caps[7 * i] + caps[7 * i + 3]);
  mean_x /= double(std::max<std::size_t>(n, 1));
  auto px = [&](double x) { return kFrameWidth / 2.0 + scale * (x - mean_x); };
  auto py = [&](double z) { return ground - scale * z; };
  c.line(0, ground, kFrameWidth, ground, kRail, 1);
  for (double x = std::floor(mean_x - 3); x <= mean_x + 3; x += 1) c.line(px(x), ground, px(x), ground + 5, kRail, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const float* k = &caps[7 * i];
    const int thickness = std::clamp(int(std::lround(2 * k[6] * scale)), 1, 12);
    c.line(px(k[0]), py(k[2]), px(k[3]), py(k[5]), kCart, thickness);
  }
}

}  // namespace

Image render_frame(const TaskSpec& spec, const float* s, const std::vector<float>& capsules) {
  Canvas c(kFrameWidth, kFrameHeight, 255);
  if (spec.name == "cartpole") {
    draw_cart_chain(c, s[0], {s[1]}, 1.0);
  } else if (spec.name == "cart_double_pendulum") {
    draw_cart_chain(c, s[0], {s[1], s[2]}, CartDoublePendulumParams{}.pole_length);
  } else if (spec.name == "quadcopter") {
    draw_quadcopter(c, s);
  } else if (!capsules.empty()) {
    draw_capsules(c, capsules);
  } else {
    throw UnsupportedFeatureError("[sim.play] no 2D drawing for task " + spec.name);
  }
  return std::move(c.image);
}

Image contact_sheet(const std::vector<Image>& frames, int columns) {
  if (frames.empty()) return Image::zeros(kFrameHeight, kFrameWidth, 3, mx::uint8);
  const int cols = std::max(1, std::min<int>(columns, int(frames.size())));
  const int rows = (int(frames.size()) + cols - 1) / cols, fw = frames[0].width, fh = frames[0].height;
  Image sheet = Image::zeros(rows * fh, cols * fw, 3, mx::uint8);
  std::fill(sheet.bytes.begin(), sheet.bytes.end(), 255);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const int r = int(i) / cols, col = int(i) % cols;
    for (int y = 0; y < fh; ++y)
      std::memcpy(sheet.data<std::uint8_t>() + (std::size_t(r * fh + y) * sheet.width + col * fw) * 3,
                  frames[i].data<std::uint8_t>() + std::size_t(y) * fw * 3, std::size_t(fw) * 3);
  }
  return sheet;
}

}  // namespace robomlx::sim
