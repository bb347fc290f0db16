// SPDX-License-Identifier: Apache-2.0
// `robomlx vision embed --model DIR (--image I ... | --text T ...)`: unit-length CLIP embeddings
// of images or texts as JSON ({model, kind, dim, dtype, inputs, embeddings}) on stdout, or in
// --json FILE (staged: the file appears only when every input was embedded). With both --image
// and --text it also writes logits_per_image (exp(logit_scale) * image . text).
#include <iostream>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/vision/vision_factory.h"
#include "robomlx/vision/vision_image.h"

namespace robomlx::cli {

namespace {

struct EmbedArgs {
  std::string model, json, dtype = "float32";
  std::vector<std::string> images, texts;
};

nlohmann::json rows(const mx::array& a) {
  mx::array f = mx::astype(a, mx::float32);
  mx::eval(f);
  nlohmann::json out = nlohmann::json::array();
  const float* p = f.data<float>();
  for (int i = 0; i < f.shape(0); ++i) out.push_back(std::vector<float>(p + std::size_t(i) * f.shape(1), p + std::size_t(i + 1) * f.shape(1)));
  return out;
}

mx::Dtype parse_dtype(const std::string& s) {
  if (s == "float32") return mx::float32;
  if (s == "float16") return mx::float16;
  if (s == "bfloat16") return mx::bfloat16;
  throw std::invalid_argument("[vision.embed] --dtype must be float32, float16 or bfloat16, got '" + s + "'");
}

void run_embed(const EmbedArgs& a, GlobalOptions& global) {
  if (a.images.empty() && a.texts.empty()) throw std::invalid_argument("[vision.embed] give --image or --text (one or more), got neither");
  const mx::Dtype dtype = parse_dtype(a.dtype);
  OutputStage stage;
  const std::string json_staged = a.json.empty() ? "" : stage.file(a.json, "--json");
  const mx::Device device = apply_device(global, Workload::general);
  auto clip = vision::create_clip(a.model, device, {dtype});
  const auto& m = *clip.model;
  nlohmann::json out = {{"model", a.model}, {"dim", m.config().projection_dim}, {"dtype", a.dtype}};
  std::optional<mx::array> image_embeds, text_embeds;
  if (!a.images.empty()) {
    std::vector<Image> images;
    for (const auto& p : a.images) images.push_back(vision::read_vision_image(p));
    image_embeds = m.embed_images(images, device);
    out["images"] = a.images;
    out["image_embeddings"] = rows(*image_embeds);
  }
  if (!a.texts.empty()) {
    text_embeds = m.embed_texts(a.texts, device);
    out["texts"] = a.texts;
    out["text_embeddings"] = rows(*text_embeds);
  }
  if (image_embeds && text_embeds) out["logits_per_image"] = rows(m.logits_per_image(*image_embeds, *text_embeds, device));
  const std::string text = out.dump() + "\n";
  if (json_staged.empty()) {
    std::cout << text;
    return;
  }
  write_file_atomically(json_staged, text);
  stage.commit();
}

void add_vision_embed(CLI::App& app, GlobalOptions& global) {
  auto a = std::make_shared<EmbedArgs>();
  auto* vision = ensure_subcommand(app, "vision", "CLIP and SAM: embeddings, open-vocabulary segmentation, parity");
  auto* cmd = vision->add_subcommand("embed", "CLIP embeddings of images and/or texts (unit length), as JSON");
  cmd->add_option("--model", a->model, "CLIP checkpoint folder in the Hugging Face layout (config.json, model.safetensors, vocab.json, merges.txt)")->required();
  cmd->add_option("--image", a->images, "Image file (PNG or JPEG); repeat for several");
  cmd->add_option("--text", a->texts, "Text; repeat for several");
  cmd->add_option("--json", a->json, "Write the JSON here instead of stdout");
  cmd->add_option("--dtype", a->dtype, "Compute dtype: float32 (default), float16, bfloat16");
  cmd->callback([a, &global] { run_embed(*a, global); });
}

}  // namespace

ROBOMLX_COMMAND(vision_embed, add_vision_embed);

}  // namespace robomlx::cli
