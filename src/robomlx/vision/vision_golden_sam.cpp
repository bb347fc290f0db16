// SPDX-License-Identifier: Apache-2.0
// The SAM golden case: preprocessing, image embeddings from the stored (zero-padded) pixels, and
// per prompt the sparse embeddings, mask logits, IoU scores and (text/point1) the masks at the
// original size, all decoded from the stored image embeddings.
#include <mlx/ops.h>

#include "robomlx/core/io/npy.h"
#include "robomlx/vision/sam_image_preprocess.h"
#include "robomlx/vision/sam_model.h"
#include "robomlx/vision/vision_checkpoint_internal.h"
#include "robomlx/vision/vision_golden_internal.h"
#include "robomlx/vision/vision_image.h"

namespace robomlx::vision {

namespace {

// A float64 / int64 value block of case.json ("values" nested lists) as an MLX array of `shape`.
mx::array json_array(const nlohmann::json& entry, mx::Dtype dtype) {
  std::vector<float> flat;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& v) {
    if (v.is_array()) for (const auto& e : v) walk(e);
    else flat.push_back(v.get<float>());
  };
  walk(entry.at("values"));
  mx::Shape shape;
  for (const auto& d : entry.at("shape")) shape.push_back(d.get<int>());
  return mx::astype(mx::array(flat.data(), shape, mx::float32), dtype);
}

}  // namespace

std::vector<VisionCheck> run_sam_golden_checks(const std::string& dir) {
  using namespace detail;
  const auto j = read_json_object(dir + "/case.json", "vision.golden");
  const std::string model_dir = dir + "/" + j.value("model_dir", "");
  auto npy = [&](const std::string& f) { return read_npy(dir + "/" + f); };
  const auto model = SamModel::load(model_dir);
  const auto settings = SamImageSettings::read(model_dir);
  const int size = model->config().image_size;
  std::vector<VisionCheck> out;
  for (const auto& im : j.at("images")) {
    const std::string name = im.at("pixel_values").get<std::string>();
    // Preprocessing of the image file.
    const SamImageInput in = sam_preprocess_image(read_vision_image(dir + "/" + im.at("file").get<std::string>()), settings);
    const mx::array stored = npy(name);  // [1, 3, h, w]
    const int h = stored.shape(2), w = stored.shape(3);
    const mx::array mine = mx::transpose(mx::slice(in.pixel_values, {0, 0, 0}, {in.resized_height, in.resized_width, 3}), {2, 0, 1});
    out.push_back(check_preprocessing(name, mx::expand_dims(mine, 0), stored));
    // Image encoder on the stored pixels, zero-padded as the model saw them.
    const mx::array padded = mx::pad(mx::transpose(stored, {0, 2, 3, 1}), {{0, 0}, {0, size - h}, {0, size - w}, {0, 0}});
    const mx::array emb = model->image_embeddings(padded);
    const std::string emb_file = im.at("image_embeddings").get<std::string>();
    const mx::array stored_emb = npy(emb_file);
    out.push_back(check_embedding(emb_file, mx::transpose(emb, {0, 3, 1, 2}), stored_emb));
    // Prompts, decoded from the stored embeddings.
    const mx::array image = mx::transpose(stored_emb, {0, 2, 3, 1});
    for (const auto& p : im.at("prompts")) {
      const auto& mi = p.at("model_inputs");
      SamPrompts pr;
      if (mi.contains("input_points")) {
        const mx::array pts = json_array(mi["input_points"], mx::float32);  // [1, 1, N, 2]
        pr.points = mx::reshape(pts, {1, pts.shape(2), 2});
        pr.labels = mx::reshape(json_array(mi.at("input_labels"), mx::int32), {1, pts.shape(2)});
      }
      if (mi.contains("input_boxes")) pr.boxes = mx::reshape(json_array(mi["input_boxes"], mx::float32), {1, 4});
      const std::string pd = p.at("dir").get<std::string>();
      const auto sparse = model->embed_prompts(pr).first;
      out.push_back(check_embedding(pd + "/sparse_embeddings.npy", mx::expand_dims(sparse, 0), npy(pd + "/sparse_embeddings.npy")));
      const SamMasks masks = model->decode_masks(image, pr, true);
      const mx::array pred = mx::expand_dims(masks.logits, 0), want = npy(pd + "/pred_masks.npy");
      VisionCheck logits = check_max_abs(pd + "/pred_masks.npy", pred, want, 1e-3);
      const VisionCheck iou = check_mask_iou(pd + "/pred_masks.npy", pred, want, 0.99);
      logits.ok = logits.ok && iou.ok;
      logits.detail += ", " + iou.detail;
      out.push_back(logits);
      out.push_back(check_max_abs(pd + "/iou_scores.npy", mx::expand_dims(masks.iou_scores, 0), npy(pd + "/iou_scores.npy"), 1e-3));
      for (const auto& f : p.at("files")) {
        const std::string file = f.get<std::string>();
        if (file.find("masks_original_size") == std::string::npos) continue;
        SamImageInput geometry;
        geometry.original_height = im.at("original_size_hw")[0], geometry.original_width = im.at("original_size_hw")[1];
        geometry.resized_height = im.at("reshaped_input_size_hw")[0], geometry.resized_width = im.at("reshaped_input_size_hw")[1];
        const mx::array full = sam_upscale_masks(masks.logits, geometry, size);  // [1, 3, H, W]
        out.push_back(check_mask_iou(file, full, mx::astype(npy(file), mx::float32), 0.99));
      }
    }
  }
  return out;
}

}  // namespace robomlx::vision
