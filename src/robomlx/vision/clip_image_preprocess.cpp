// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/clip_image_preprocess.h"

#include <filesystem>
#include <stdexcept>

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/vision/vision_checkpoint_internal.h"

namespace robomlx::vision {

namespace {
constexpr const char* kTag = "vision.preprocess";

}  // namespace

ClipImageSettings ClipImageSettings::read(const std::string& folder) {
  ClipImageSettings st;
  const std::string path = folder + "/preprocessor_config.json";
  if (!std::filesystem::exists(path)) return st;
  nlohmann::json j = detail::read_json_object(path, kTag);
  // Older files give sizes as integers: fold them into the dict forms before reading.
  if (j.contains("size") && j["size"].is_number_integer()) j["size"] = {{"shortest_edge", j["size"]}};
  if (j.contains("crop_size") && j["crop_size"].is_number_integer()) j["crop_size"] = {{"height", j["crop_size"]}, {"width", j["crop_size"]}};
  detail::ConfigSection c(j, path, "", kTag);
  st.do_resize = c.boolean("do_resize", true);
  detail::ConfigSection size(c.object("size"), path, "size", kTag);
  st.shortest_edge = size.integer("shortest_edge", 224, 1, 8192);
  size.finish();
  const int resample = c.integer("resample", 3, 0, 5);
  if (resample != 2 && resample != 3) c.fail("resample", "is not supported by robomlx (2 bilinear or 3 bicubic), got " + std::to_string(resample));
  st.resample = resample == 2 ? ResampleFilter::bilinear : ResampleFilter::bicubic;
  st.do_center_crop = c.boolean("do_center_crop", true);
  detail::ConfigSection crop(c.object("crop_size"), path, "crop_size", kTag);
  st.crop_height = crop.integer("height", 224, 1, 8192);
  st.crop_width = crop.integer("width", 224, 1, 8192);
  crop.finish();
  st.do_rescale = c.boolean("do_rescale", true);
  st.rescale_factor = c.number("rescale_factor", 1.0 / 255.0, 1e-12, 1.0);
  st.do_normalize = c.boolean("do_normalize", true);
  auto triple = [&](const std::string& key, std::array<float, 3>& out, bool positive) {
    nlohmann::json v = j.contains(key) ? j[key] : nlohmann::json();
    if (v.is_null()) return;
    if (!v.is_array() || v.size() != 3) c.fail(key, "must be a list of 3 numbers, got " + v.dump());
    for (int i = 0; i < 3; ++i) {
      if (!v[std::size_t(i)].is_number() || (positive && !(v[std::size_t(i)].get<double>() > 0)))
        c.fail(key, "must hold 3 " + std::string(positive ? "positive " : "") + "numbers, got " + v.dump());
      out[std::size_t(i)] = v[std::size_t(i)].get<float>();
    }
  };
  triple("image_mean", st.mean, false);
  triple("image_std", st.std, true);
  c.inert({"image_mean", "image_std", "image_processor_type", "feature_extractor_type", "processor_class",
           "_processor_class", "do_convert_rgb"});
  if (j.contains("do_convert_rgb") && j["do_convert_rgb"] == false)
    c.fail("do_convert_rgb", "false is not supported by robomlx (images are always converted to RGB)");
  c.finish();
  return st;
}

mx::array clip_preprocess_image(const Image& rgb, const ClipImageSettings& st, mx::StreamOrDevice s) {
  if (rgb.dtype != mx::uint8 || rgb.channels != 3 || rgb.empty())
    throw std::invalid_argument("[vision.preprocess] image must be RGB uint8 [H, W, 3] (read_vision_image)");
  const mx::Stream stream = op_stream(s);
  mx::array x = rgb.to_array();
  int h = rgb.height, w = rgb.width;
  if (st.do_resize) {
    const int edge = st.shortest_edge;
    const int nh = h <= w ? edge : int(double(edge) * h / w);
    const int nw = h <= w ? int(double(edge) * w / h) : edge;
    x = resample_image_u8(x, nh, nw, st.resample, stream);
    h = nh, w = nw;
  }
  if (st.do_center_crop) {
    if (h < st.crop_height || w < st.crop_width)
      throw std::invalid_argument("[vision.preprocess] the resized image " + std::to_string(w) + "x" + std::to_string(h) +
                                  " is smaller than the crop " + std::to_string(st.crop_width) + "x" + std::to_string(st.crop_height));
    const int top = (h - st.crop_height) / 2, left = (w - st.crop_width) / 2;
    x = mx::slice(x, {top, left, 0}, {top + st.crop_height, left + st.crop_width, 3}, stream);
  }
  mx::array f = mx::astype(x, mx::float32, stream);
  if (st.do_rescale) f = mx::multiply(f, mx::array(float(st.rescale_factor)), stream);
  if (st.do_normalize) {
    const mx::array mean(st.mean.data(), {3}, mx::float32), sd(st.std.data(), {3}, mx::float32);
    f = mx::divide(mx::subtract(f, mean, stream), sd, stream);
  }
  return f;
}

}  // namespace robomlx::vision
