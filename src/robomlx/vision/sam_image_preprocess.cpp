// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/sam_image_preprocess.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/vision/vision_checkpoint_internal.h"

namespace robomlx::vision {

namespace {
constexpr const char* kTag = "vision.preprocess";
}

SamImageSettings SamImageSettings::read(const std::string& folder) {
  SamImageSettings st;
  const std::string path = folder + "/preprocessor_config.json";
  if (!std::filesystem::exists(path)) return st;
  nlohmann::json j = detail::read_json_object(path, kTag);
  detail::ConfigSection c(j, path, "", kTag);
  for (const char* flag : {"do_resize", "do_rescale", "do_normalize", "do_pad", "do_convert_rgb"})
    if (!c.boolean(flag, true)) c.fail(flag, "false is not supported by robomlx (SAM's input is always resized, scaled, normalised and padded)");
  detail::ConfigSection size(c.object("size"), path, "size", kTag);
  st.longest_edge = size.integer("longest_edge", 1024, 1, 8192);
  size.finish();
  detail::ConfigSection pad(c.object("pad_size"), path, "pad_size", kTag);
  st.pad_height = pad.integer("height", 1024, 1, 8192);
  st.pad_width = pad.integer("width", 1024, 1, 8192);
  pad.finish();
  if (st.pad_height < st.longest_edge || st.pad_width < st.longest_edge) c.fail("pad_size", "must be at least size.longest_edge");
  const int resample = c.integer("resample", 2, 0, 5);
  if (resample != 2 && resample != 3) c.fail("resample", "is not supported by robomlx (2 bilinear or 3 bicubic), got " + std::to_string(resample));
  st.resample = resample == 2 ? ResampleFilter::bilinear : ResampleFilter::bicubic;
  st.rescale_factor = c.number("rescale_factor", 1.0 / 255.0, 1e-12, 1.0);
  for (auto [key, out] : {std::pair{"image_mean", &st.mean}, std::pair{"image_std", &st.std}}) {
    const nlohmann::json v = j.contains(key) ? j[key] : nlohmann::json();
    if (v.is_null()) continue;
    if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number()) c.fail(key, "must be a list of 3 numbers");
    for (int i = 0; i < 3; ++i) (*out)[std::size_t(i)] = v[std::size_t(i)].get<float>();
  }
  // mask_size / mask_pad_size shape segmentation maps for training; inference never reads them.
  c.inert({"image_mean", "image_std", "image_processor_type", "processor_class", "mask_size", "mask_pad_size"});
  c.finish();
  return st;
}

SamImageInput sam_preprocess_image(const Image& rgb, const SamImageSettings& st, mx::StreamOrDevice sd) {
  if (rgb.dtype != mx::uint8 || rgb.channels != 3 || rgb.empty())
    throw std::invalid_argument("[vision.preprocess] image must be RGB uint8 [H, W, 3] (read_vision_image)");
  const mx::Stream s = op_stream(sd);
  SamImageInput in;
  in.original_height = rgb.height, in.original_width = rgb.width;
  const double scale = double(st.longest_edge) / std::max(rgb.height, rgb.width);
  in.resized_height = int(rgb.height * scale + 0.5), in.resized_width = int(rgb.width * scale + 0.5);
  const mx::array resized = resample_image_u8(rgb.to_array(), in.resized_height, in.resized_width, st.resample, s);
  mx::array f = mx::multiply(mx::astype(resized, mx::float32, s), mx::array(float(st.rescale_factor)), s);
  f = mx::divide(mx::subtract(f, mx::array(st.mean.data(), {3}, mx::float32), s), mx::array(st.std.data(), {3}, mx::float32), s);
  in.pixel_values = mx::pad(f, {{0, st.pad_height - in.resized_height}, {0, st.pad_width - in.resized_width}, {0, 0}}, mx::array(0.0f), "constant", s);
  return in;
}

mx::array bilinear_weights(int in_size, int out_size) {
  if (in_size < 1 || out_size < 1) throw std::invalid_argument("[vision.resample] sizes must be >= 1");
  std::vector<float> w(std::size_t(out_size) * in_size, 0.0f);
  const double scale = double(in_size) / out_size;
  for (int o = 0; o < out_size; ++o) {
    const double src = std::max((o + 0.5) * scale - 0.5, 0.0);
    const int i0 = std::min(int(src), in_size - 1), i1 = std::min(i0 + 1, in_size - 1);
    const double l = src - i0;
    w[std::size_t(o) * in_size + i0] += float(1.0 - l);
    w[std::size_t(o) * in_size + i1] += float(l);
  }
  return mx::array(w.data(), {out_size, in_size}, mx::float32);
}

mx::array sam_upscale_masks(const mx::array& low, const SamImageInput& in, int image_size, mx::StreamOrDevice sd) {
  const mx::Stream s = op_stream(sd);
  const int m = low.shape(-1);
  // Interpolate to the padded frame, keep the resized area, then to the original size: two
  // separable bilinear maps each way, folded into one matrix per axis.
  const mx::array wy = mx::matmul(bilinear_weights(in.resized_height, in.original_height),
                                  mx::slice(bilinear_weights(m, image_size), {0, 0}, {in.resized_height, m}, s), s);
  const mx::array wx = mx::matmul(bilinear_weights(in.resized_width, in.original_width),
                                  mx::slice(bilinear_weights(m, image_size), {0, 0}, {in.resized_width, m}, s), s);
  return mx::matmul(mx::matmul(wy, mx::astype(low, mx::float32, s), s), mx::transpose(wx, s), s);
}

}  // namespace robomlx::vision
