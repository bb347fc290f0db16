// SPDX-License-Identifier: Apache-2.0
// Inputs of `robomlx bench depth` (bench/depth/depth_bench.cpp) and the ROBOMLX_BENCH_DEPTH_INPUTS
// dump that lets scripts/depth_cpu_peer.py time librealsense on the very same pixels and check it.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <mlx/mlx.h>

#include "robomlx/core/image.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/frame.h"

namespace robomlx::depth {

// Nearest-neighbour resize on the host (bench input only), any dtype and channel count.
inline Image resize_nearest(const Image& in, int w, int h) {
  Image out = Image::zeros(h, w, in.channels, in.dtype);
  const std::size_t px = in.sample_size() * in.channels;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      std::copy_n(&in.bytes[(std::size_t(y * in.height / h) * in.width + x * in.width / w) * px], px,
                  &out.bytes[(std::size_t(y) * w + x) * px]);
  return out;
}

// Depth->colour extrinsics of the golden real frameset (a D435: colour 14.3 mm beside depth).
inline Extrinsics d435_depth_to_color() {
  Extrinsics e;
  e.rotation = {0.99986332654953f, 0.01030866801738739f, -0.01292696874588728f, -0.010310042649507523f, 0.9999468326568604f,
                -3.9757887861924246e-05f, 0.012925871647894382f, 0.00017303005733992904f, 0.9999164342880249f};
  e.translation = {0.014311314560472965f, 0.000602306448854506f, 0.000610804243478924f};
  return e;
}

// ROBOMLX_BENCH_DEPTH_INPUTS: <dir>/<W>x<H>_depth.pgm, <W>x<H>_color.ppm, and <W>x<H>.json with the
// frames' intrinsics, units, baseline, the extrinsics and the outputs: for every "auto" row, a fresh
// block's third call on the same frame (stateful blocks then have history), each array as raw
// little-endian row-major bytes in <W>x<H>/<row>.<i>.raw with its dtype and shape.
struct DumpDir {
  std::string dir, stem;
  std::ostringstream outputs;
  bool on() const { return !dir.empty(); }
  static std::string g(float v) {
    std::ostringstream o;
    o.precision(9);
    o << v;
    return o.str();
  }
  static std::string intrinsics(const Intrinsics& i) {
    return "{\"width\": " + std::to_string(i.width) + ", \"height\": " + std::to_string(i.height) + ", \"fx\": " +
           g(i.fx) + ", \"fy\": " + g(i.fy) + ", \"ppx\": " + g(i.ppx) + ", \"ppy\": " + g(i.ppy) + "}";
  }
  void output(const std::string& row, const std::function<std::vector<mx::array>()>& fn) {
    if (!on()) return;
    std::string slug = row;
    for (auto& c : slug) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    std::filesystem::create_directories(dir + "/" + stem);
    outputs << (outputs.tellp() > 0 ? ",\n" : "") << "    \"" << row << "\": [";
    const auto arrays = fn();
    for (std::size_t i = 0; i < arrays.size(); ++i) {
      auto a = mx::contiguous(arrays[i], false, mx::Device::cpu);
      mx::eval(a);
      const std::string file = stem + "/" + slug + "." + std::to_string(i) + ".raw";
      std::ofstream(dir + "/" + file, std::ios::binary).write(a.data<char>(), std::streamsize(a.nbytes()));
      std::string shape;
      for (int d : a.shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
      const std::string dt = a.dtype() == mx::uint16 ? "uint16" : a.dtype() == mx::uint8 ? "uint8" : "float32";
      outputs << (i ? ", " : "") << "{\"file\": \"" << file << "\", \"dtype\": \"" << dt << "\", \"shape\": [" << shape << "]}";
    }
    outputs << "]";
  }
  void write_inputs(const Image& depth, const Image& color, const Frame& d, const Frame& c, const Extrinsics& e) {
    if (!on()) return;
    std::filesystem::create_directories(dir);
    write_pnm(dir + "/" + stem + "_depth.pgm", depth);
    write_pnm(dir + "/" + stem + "_color.ppm", color);
    std::ostringstream j;
    j << "{\n  \"depth\": {\"file\": \"" << stem << "_depth.pgm\", \"intrinsics\": " << intrinsics(d.intrinsics)
      << ", \"depth_units\": " << g(d.depth_units) << ", \"stereo_baseline_mm\": " << g(d.baseline_mm) << "},\n"
      << "  \"color\": {\"file\": \"" << stem << "_color.ppm\", \"intrinsics\": " << intrinsics(c.intrinsics) << "},\n"
      << "  \"extrinsics_depth_to_color\": {\"rotation_column_major\": [";
    for (int i = 0; i < 9; ++i) j << (i ? ", " : "") << g(e.rotation[i]);
    j << "], \"translation_m\": [" << g(e.translation[0]) << ", " << g(e.translation[1]) << ", " << g(e.translation[2]) << "]},\n";
    header = j.str();
  }
  void finish() {
    if (on()) std::ofstream(dir + "/" + stem + ".json") << header << "  \"outputs\": {\n" << outputs.str() << "\n  }\n}\n";
    outputs.str("");
  }
  std::string header;
};

}  // namespace robomlx::depth
