// SPDX-License-Identifier: Apache-2.0
// The CLIP golden case: tokenizer ids, preprocessing, then every stored intermediate of the text
// and vision towers fed from the stored input_ids / pixel_values.
#include <mlx/ops.h>

#include "robomlx/core/io/npy.h"
#include "robomlx/vision/clip_model.h"
#include "robomlx/vision/vision_checkpoint_internal.h"
#include "robomlx/vision/vision_golden_internal.h"
#include "robomlx/vision/vision_image.h"

namespace robomlx::vision {

namespace {

std::vector<double> valid_mask(const mx::array& attention_mask) { return detail::host_values(attention_mask); }

}  // namespace

std::vector<VisionCheck> run_clip_golden_checks(const std::string& dir) {
  using namespace detail;
  const auto j = read_json_object(dir + "/case.json", "vision.golden");
  const std::string model_dir = dir + "/" + j.value("model_dir", "");
  auto npy = [&](const std::string& f) { return read_npy(dir + "/" + f); };
  std::vector<VisionCheck> out;

  // Tokenisation.
  const auto model = ClipModel::load(model_dir);
  std::vector<std::string> texts;
  for (const auto& t : j.at("texts")) texts.push_back(t.at("text").get<std::string>());
  const ClipTokenBatch batch = model->tokenizer().encode_batch(texts, model->config().max_positions);
  const mx::array ids = npy("input_ids.npy"), mask = npy("attention_mask.npy");
  out.push_back(check_exact("input_ids.npy", batch.input_ids, ids));
  out.push_back(check_exact("attention_mask.npy", batch.attention_mask, mask));
  if (j.contains("tokenizer_checks"))
    for (const auto& t : j["tokenizer_checks"]) {
      const auto got = model->tokenizer().encode(t.at("text").get<std::string>());
      const auto want = t.at("expected_input_ids").get<std::vector<int>>();
      out.push_back(check_exact("tokenizer_checks \"" + t.at("text").get<std::string>() + "\"",
                                mx::array(got.data(), {int(got.size())}, mx::int32), mx::array(want.data(), {int(want.size())}, mx::int32)));
    }

  // Preprocessing (NHWC here, NCHW in the files).
  std::vector<mx::array> pixels;
  for (const auto& im : j.at("images"))
    pixels.push_back(clip_preprocess_image(read_vision_image(dir + "/" + im.at("file").get<std::string>()), model->image_settings()));
  const mx::array mine = mx::transpose(mx::stack(pixels, 0), {0, 3, 1, 2});
  out.push_back(check_preprocessing("pixel_values.npy", mine, npy("pixel_values.npy")));
  out.push_back(check_preprocessing("onnx_clip_expected_preprocessed_image.npy", mx::slice(mine, {0, 0, 0, 0}, {1, 3, mine.shape(2), mine.shape(3)}),
                                    npy("onnx_clip_expected_preprocessed_image.npy")));

  // Text tower on the stored ids.
  const auto valid = valid_mask(mask);
  const ClipEncoderOutput text = model->encode_text(ids, mask, true);
  out.push_back(check_hidden("text_hidden_states.npy", mx::stack(text.hidden_states, 0), npy("text_hidden_states.npy"), valid));
  out.push_back(check_hidden("text_last_hidden_state.npy", text.last_hidden_state, npy("text_last_hidden_state.npy"), valid));
  out.push_back(check_embedding("text_pooler_output.npy", text.pooler_output, npy("text_pooler_output.npy")));
  out.push_back(check_embedding("text_embeds_projected.npy", text.embeds, npy("text_embeds_projected.npy")));
  const mx::array text_embeds = clip_normalize(text.embeds);
  out.push_back(check_embedding("text_embeds.npy", text_embeds, npy("text_embeds.npy")));
  // Without per-token outputs the last layer runs for the pooled row alone (what embed and the
  // benchmarks use): the same numbers.
  const ClipEncoderOutput text_pooled = model->encode_text(ids, mask, false);
  out.push_back(check_embedding("text_pooler_output.npy (pooled row only)", text_pooled.pooler_output, npy("text_pooler_output.npy")));
  out.push_back(check_embedding("text_embeds_projected.npy (pooled row only)", text_pooled.embeds, npy("text_embeds_projected.npy")));

  // Vision tower on the stored pixels.
  const ClipEncoderOutput vision = model->encode_image(mx::transpose(npy("pixel_values.npy"), {0, 2, 3, 1}), true);
  out.push_back(check_hidden("vision_hidden_states.npy", mx::stack(vision.hidden_states, 0), npy("vision_hidden_states.npy")));
  out.push_back(check_hidden("vision_last_hidden_state.npy", vision.last_hidden_state, npy("vision_last_hidden_state.npy")));
  out.push_back(check_embedding("vision_pooler_output.npy", vision.pooler_output, npy("vision_pooler_output.npy")));
  out.push_back(check_embedding("image_embeds_projected.npy", vision.embeds, npy("image_embeds_projected.npy")));
  const mx::array image_embeds = clip_normalize(vision.embeds);
  out.push_back(check_embedding("image_embeds.npy", image_embeds, npy("image_embeds.npy")));
  const ClipEncoderOutput vision_pooled = model->encode_image(mx::transpose(npy("pixel_values.npy"), {0, 2, 3, 1}), false);
  out.push_back(check_embedding("vision_pooler_output.npy (CLS row only)", vision_pooled.pooler_output, npy("vision_pooler_output.npy")));
  out.push_back(check_embedding("image_embeds_projected.npy (CLS row only)", vision_pooled.embeds, npy("image_embeds_projected.npy")));

  const mx::array logits = model->logits_per_image(image_embeds, text_embeds);
  out.push_back(check_embedding("logits_per_image.npy", logits, npy("logits_per_image.npy")));
  out.push_back(check_embedding("logits_per_text.npy", mx::transpose(logits), npy("logits_per_text.npy")));
  return out;
}

}  // namespace robomlx::vision
