// SPDX-License-Identifier: Apache-2.0
// Small raster drawings for the sim commands: the reward curve of a training run (PNG) and 2D
// frames of the classic tasks (sim play). No fonts: axes and grid only; the numbers go to JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "robomlx/core/image.h"

namespace robomlx::sim {

/// An RGB canvas with clipped line and rectangle drawing.
struct Canvas {
  Image image;
  Canvas(int width, int height, std::uint8_t grey = 255);
  void line(double x0, double y0, double x1, double y1, const std::uint8_t rgb[3], int thickness = 1);
  void fill_rect(double x0, double y0, double x1, double y1, const std::uint8_t rgb[3]);
};

/// Plots y against x (NaN y values are skipped) on a 640x360 canvas with a grid of 5x5 cells,
/// the y range padded to [min, max] of the data and 0, and writes it as PNG to `path`.
void write_reward_curve(const std::string& path, const std::vector<double>& x, const std::vector<double>& y);

}  // namespace robomlx::sim
