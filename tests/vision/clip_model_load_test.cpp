// SPDX-License-Identifier: Apache-2.0
// Loading CLIP checkpoints that are wrong in each way a user's download can be: truncated
// weights, a config that does not match the tensors, config fields robomlx does not implement,
// tensors no config field explains, tiny images. Also float16 / bfloat16 weights.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <mlx/io.h>
#include <mlx/ops.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/npy.h"
#include "robomlx/core/io/png.h"
#include "robomlx/vision/clip_model.h"
#include "robomlx/vision/vision_image.h"
#include "support.h"

namespace robomlx::vision {
namespace {

namespace fs = std::filesystem;

std::string golden() { return test::shared_dir() + "/golden/vision"; }

// A writable copy of the tiny CLIP checkpoint.
std::string copy_model() {
  const std::string dir = test::temp_dir() + "/clip";
  fs::copy(golden() + "/models/clip-vit-tiny-patch32", dir, fs::copy_options::recursive);
  return dir;
}

void edit_config(const std::string& dir, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j;
  {
    std::ifstream in(dir + "/config.json");
    j = nlohmann::json::parse(in);
  }
  edit(j);
  std::ofstream(dir + "/config.json") << j.dump(2);
}

std::string load_error(const std::string& dir) {
  try {
    ClipModel::load(dir);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(ClipLoad, TruncatedWeightsNameTheTensor) {
  const auto dir = copy_model();
  fs::resize_file(dir + "/model.safetensors", fs::file_size(dir + "/model.safetensors") - 1000);
  const auto msg = load_error(dir);
  EXPECT_NE(msg.find("[vision.clip]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated: tensor "), std::string::npos) << msg;
  fs::resize_file(dir + "/model.safetensors", 5);
  EXPECT_NE(load_error(dir).find("truncated"), std::string::npos);
}

TEST(ClipLoad, ConfigThatDoesNotMatchTheTensors) {
  const auto dir = copy_model();
  edit_config(dir, [](auto& j) { j["text_config"]["intermediate_size"] = 256; });
  const auto msg = load_error(dir);
  EXPECT_NE(msg.find("text_model.encoder.layers.0.mlp.fc1.weight has shape [128, 64], config.json implies [256, 64]"), std::string::npos) << msg;
}

TEST(ClipLoad, FewerLayersInConfigLeaveUnknownTensors) {
  const auto dir = copy_model();
  edit_config(dir, [](auto& j) { j["vision_config"]["num_hidden_layers"] = 1; });
  const auto msg = load_error(dir);
  EXPECT_NE(msg.find("unknown tensor(s) for this config: vision_model.encoder.layers.1."), std::string::npos) << msg;
}

TEST(ClipLoad, UnsupportedConfigFieldsAreRefusedByName) {
  auto dir = copy_model();
  edit_config(dir, [](auto& j) { j["text_config"]["hidden_act"] = "relu"; });
  EXPECT_NE(load_error(dir).find("config field text_config.hidden_act is not supported"), std::string::npos);
  dir = copy_model();
  edit_config(dir, [](auto& j) { j["vision_config"]["use_flash_rotary"] = true; });
  EXPECT_NE(load_error(dir).find("config field vision_config.use_flash_rotary is not supported"), std::string::npos);
  dir = copy_model();
  std::ofstream(dir + "/preprocessor_config.json") << R"({"size": 224, "crop_size": 224, "do_pad": true})";
  EXPECT_NE(load_error(dir).find("config field do_pad is not supported"), std::string::npos);
}

TEST(ClipLoad, MissingTensorIsNamed) {
  const auto dir = copy_model();
  auto [t, meta] = mx::load_safetensors(dir + "/model.safetensors");
  t.erase("visual_projection.weight");
  mx::save_safetensors(dir + "/model.safetensors", t, meta);
  EXPECT_NE(load_error(dir).find("missing tensor visual_projection.weight"), std::string::npos);
}

// Weights stored as float16 or bfloat16 load (cast to the compute dtype); the outputs stay within
// the rounding of the stored weights.
TEST(ClipLoad, HalfPrecisionWeights) {
  for (const auto dtype : {mx::float16, mx::bfloat16}) {
    const auto dir = copy_model();
    auto [t, meta] = mx::load_safetensors(dir + "/model.safetensors");
    for (auto& [k, v] : t) v = mx::astype(v, dtype);
    mx::save_safetensors(dir + "/model.safetensors", t, meta);
    for (const auto compute : {mx::float32, dtype}) {
      const auto m = ClipModel::load(dir, {compute});
      const auto out = m->encode_image(mx::transpose(read_npy(golden() + "/clip/pixel_values.npy"), {0, 2, 3, 1}));
      const mx::array mine = mx::astype(clip_normalize(out.embeds), mx::float32);
      const mx::array want = read_npy(golden() + "/clip/image_embeds.npy");
      const float err = mx::max(mx::abs(mx::subtract(mine, want))).item<float>();
      EXPECT_LT(err, dtype == mx::float16 ? 0.02f : 0.08f) << (dtype == mx::float16 ? "float16" : "bfloat16");
    }
  }
}

TEST(VisionImage, TinyImagesAreRefused) {
  const std::string path = test::temp_dir() + "/one.png";
  write_png(path, Image::zeros(1, 1, 3, mx::uint8));
  try {
    read_vision_image(path);
    FAIL() << "a 1x1 image was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("[vision.image]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at least 8x8 pixels, got 1x1"), std::string::npos) << e.what();
  }
}

TEST(VisionImage, AlphaOverWhiteAndGreyReplicated) {
  Image rgba = Image::zeros(8, 8, 4, mx::uint8);
  rgba.data<std::uint8_t>()[0] = 100, rgba.data<std::uint8_t>()[3] = 128;  // half-transparent red 100
  const Image rgb = vision_rgb8(rgba, "test");
  // Pillow: (100 * 128 + 255 * 127) / 255 = 177.2 -> 177; a fully transparent pixel is white.
  EXPECT_EQ(rgb.at<std::uint8_t>(0, 0, 0), 177);
  EXPECT_EQ(rgb.at<std::uint8_t>(0, 1, 0), 255);
  Image grey = Image::zeros(8, 8, 1, mx::uint8);
  grey.data<std::uint8_t>()[0] = 42;
  const Image g3 = vision_rgb8(grey, "test");
  EXPECT_EQ(g3.at<std::uint8_t>(0, 0, 2), 42);
}

TEST(VisionImage, JpegDecodesLikePillow) {
  const Image mine = read_vision_image(golden() + "/images/franz-kafka.jpg");
  const Image pil = read_png(golden() + "/images/franz-kafka.decoded.png");
  ASSERT_EQ(mine.num_samples(), pil.num_samples());
  int worst = 0;
  for (std::size_t i = 0; i < mine.num_samples(); ++i)
    worst = std::max(worst, std::abs(int(mine.data<std::uint8_t>()[i]) - int(pil.data<std::uint8_t>()[i])));
  EXPECT_LE(worst, 2);  // both are libjpeg-turbo; the README allows a few levels across decoders
}

}  // namespace
}  // namespace robomlx::vision
