// SPDX-License-Identifier: Apache-2.0
// SAM checkpoints that do not fit robomlx: config fields it does not implement, sizes that do not
// match the tensors, parts that do not fit together; and the automatic mask generator's
// invariants on the tiny checkpoint (sorted by predicted IoU, NMS respected, boxes and areas
// consistent with the masks).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/vision/sam_auto_masks.h"
#include "robomlx/vision/vision_factory.h"
#include "robomlx/vision/vision_image.h"
#include "support.h"

namespace robomlx::vision {
namespace {

namespace fs = std::filesystem;

std::string sam_dir() { return test::shared_dir() + "/golden/vision/models/sam-vit-tiny"; }

std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  const std::string dir = test::temp_dir() + "/sam";
  fs::copy(sam_dir(), dir, fs::copy_options::recursive);
  nlohmann::json j;
  {
    std::ifstream in(dir + "/config.json");
    j = nlohmann::json::parse(in);
  }
  edit(j);
  std::ofstream(dir + "/config.json") << j.dump(2);
  return dir;
}

std::string load_error(const std::string& dir) {
  try {
    SamModel::load(dir);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(SamLoad, ConfigErrorsNameTheField) {
  EXPECT_NE(load_error(edited([](auto& j) { j["vision_config"]["mlp_dim"] = 128; })).find("vision_encoder.layers.0.mlp.lin1.weight has shape [256, 64]"),
            std::string::npos);
  EXPECT_NE(load_error(edited([](auto& j) { j["mask_decoder_config"]["hidden_act"] = "gelu"; })).find("mask_decoder_config.hidden_act is not supported"),
            std::string::npos);
  EXPECT_NE(load_error(edited([](auto& j) { j["vision_config"]["use_flash"] = true; })).find("vision_config.use_flash is not supported"),
            std::string::npos);
  EXPECT_NE(load_error(edited([](auto& j) { j["prompt_encoder_config"]["hidden_size"] = 64; })).find("must equal vision output_channels"),
            std::string::npos);
  // Which layers are global changes the rel-pos table sizes: refused by tensor shape.
  EXPECT_NE(load_error(edited([](auto& j) { j["vision_config"]["global_attn_indexes"] = {0}; })).find("rel_pos_h has shape"), std::string::npos);
  // Entries past the last layer select nothing, as in transformers.
  EXPECT_EQ(load_error(edited([](auto& j) { j["vision_config"]["global_attn_indexes"] = {1, 5, 8}; })), "(loaded)");
}

TEST(SamLoad, FactoryRefusesOtherFormats) {
  EXPECT_THROW(create_sam(test::shared_dir() + "/golden/vision/models/clip-vit-tiny-patch32", mx::Device::cpu), UnsupportedFeatureError);
  const auto h = create_sam(sam_dir(), mx::Device::cpu);
  EXPECT_EQ(h.model->config().output_channels, 32);
}

TEST(SamAutoMasks, SortedNonOverlappingAndConsistent) {
  const auto h = create_sam(sam_dir(), mx::Device::cpu);
  const Image rgb = read_vision_image(test::shared_dir() + "/golden/vision/images/text.png");
  SamAutoMaskOptions o;
  o.points_per_side = 6, o.pred_iou_thresh = 0, o.stability_score_thresh = 0, o.box_nms_thresh = 0.9f;
  const auto masks = sam_generate_masks(*h.model, h.image_settings, rgb, o);
  ASSERT_FALSE(masks.empty());
  for (std::size_t i = 0; i < masks.size(); ++i) {
    const auto& m = masks[i];
    ASSERT_EQ(m.mask.size(), std::size_t(rgb.width) * rgb.height);
    long long area = 0;
    int x0 = m.width, y0 = m.height, x1 = -1, y1 = -1;
    for (int y = 0; y < m.height; ++y) {
      for (int x = 0; x < m.width; ++x) {
        if (!m.mask[std::size_t(y) * m.width + x]) continue;
        ++area, x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
      }
    }
    EXPECT_EQ(area, m.area);
    EXPECT_EQ(m.bbox, (std::array<int, 4>{x0, y0, x1 - x0, y1 - y0}));
    if (i > 0) EXPECT_GE(masks[i - 1].predicted_iou, m.predicted_iou);
    for (std::size_t k = 0; k < i; ++k) {
      const auto& a = masks[k].bbox;
      EXPECT_LE(box_iou_xyxy({a[0], a[1], a[0] + a[2], a[1] + a[3]}, {x0, y0, x1, y1}), 0.9f);
    }
  }
  o.points_per_side = 0;
  EXPECT_THROW(sam_generate_masks(*h.model, h.image_settings, rgb, o), std::invalid_argument);
}

TEST(SamAutoMasks, BoxIou) {
  EXPECT_FLOAT_EQ(box_iou_xyxy({0, 0, 10, 10}, {5, 0, 15, 10}), 50.0f / 150.0f);
  EXPECT_FLOAT_EQ(box_iou_xyxy({0, 0, 10, 10}, {20, 20, 30, 30}), 0.0f);
}

}  // namespace
}  // namespace robomlx::vision
