// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/pipeline_outputs.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/core/error.h"
#include "robomlx/core/image.h"

#include "robomlx/depth/depth_to_points.h"

namespace robomlx::depth {

struct OutputBlocks::Impl {
  std::unique_ptr<ProcessingBlock> colorizer;
  std::optional<Pointcloud> pointcloud;
  bool textured = false;
};

OutputBlocks::OutputBlocks(const ChainSpec& spec, bool colorize, bool cloud) : impl_(std::make_unique<Impl>()) {
  auto names = block_names();
  if (colorize) {
    if (std::find(names.begin(), names.end(), "colorizer") == names.end())
      throw UnsupportedFeatureError(
          "[depth.process] output 'colorized' needs the colorizer block, which this build lacks; "
          "drop it with --outputs depth,cloud");
    impl_->colorizer = make_block("colorizer");
    for (const auto& [o, v] : spec.colorizer) impl_->colorizer->set_option(o, v);
  } else if (!spec.colorizer.empty()) {
    throw std::invalid_argument("[depth.process] colorizer options were set but output 'colorized' is not requested");
  }
  if (cloud) {
    impl_->pointcloud.emplace();
    for (const auto& [o, v] : spec.pointcloud) impl_->pointcloud->set_option(o, v);
  } else if (!spec.pointcloud.empty()) {
    throw std::invalid_argument("[depth.process] pointcloud options were set but output 'cloud' is not requested");
  }
}

OutputBlocks::~OutputBlocks() = default;

void OutputBlocks::map_texture(const Intrinsics& color, const Extrinsics& depth_to_color) {
  if (impl_->pointcloud) {
    impl_->pointcloud->map_to(color, depth_to_color);
    impl_->textured = true;
  }
}

mx::array OutputBlocks::colorize(const Frame& depth, mx::StreamOrDevice s) {
  Frame c = impl_->colorizer->process(depth, s);
  mx::eval(c.data);
  return c.data;
}

CloudPoints OutputBlocks::cloud(const Frame& depth, const Frame* colour, mx::StreamOrDevice s) {
  CloudPoints out;
  PointcloudResult res = impl_->pointcloud->calculate(depth, s);
  mx::array v = mx::astype(res.vertices, mx::float32, s);
  mx::array t = mx::astype(res.texcoords, mx::float32, s);
  mx::eval(v, t);
  Image vi = Image::from_array(v), ti = Image::from_array(t);
  std::optional<Image> ci;
  int cc = 0;
  bool bgr = false;
  if (impl_->textured && colour) {
    ci = Image::from_array(colour->data);
    cc = ci->channels;
    bgr = colour->format == FrameFormat::bgr8 || colour->format == FrameFormat::bgra8;
  }
  std::size_t n = std::size_t(vi.height) * vi.width;
  const float* xyz = vi.data<float>();
  const float* uv = ti.data<float>();
  for (std::size_t i = 0; i < n; ++i) {
    if (!(xyz[3 * i + 2] > 0)) continue;
    out.xyz.insert(out.xyz.end(), xyz + 3 * i, xyz + 3 * i + 3);
    if (!ci) continue;
    int x = std::clamp(int(uv[2 * i] * ci->width + 0.5f), 0, ci->width - 1);
    int y = std::clamp(int(uv[2 * i + 1] * ci->height + 0.5f), 0, ci->height - 1);
    const std::uint8_t* p = ci->data<std::uint8_t>() + (std::size_t(y) * ci->width + x) * cc;
    if (cc == 1) out.rgb.insert(out.rgb.end(), {p[0], p[0], p[0]});
    else if (bgr) out.rgb.insert(out.rgb.end(), {p[2], p[1], p[0]});
    else out.rgb.insert(out.rgb.end(), {p[0], p[1], p[2]});
  }
  return out;
}

nlohmann::json OutputBlocks::effective_options() const {
  nlohmann::json j = nlohmann::json::object();
  if (impl_->colorizer) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [name, range] : impl_->colorizer->options()) o[name] = impl_->colorizer->get_option(name);
    j["colorizer"] = o;
  }
  if (impl_->pointcloud) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [name, range] : impl_->pointcloud->options()) o[name] = impl_->pointcloud->get_option(name);
    j["pointcloud"] = o;
  }
  return j;
}

}  // namespace robomlx::depth
