// SPDX-License-Identifier: Apache-2.0
// `robomlx vision segment --image I --prompts "tree,road,car" --sam DIR --clip DIR --out DIR`:
// open-vocabulary segmentation (vision_segment.h). Writes into --out, staged (all files appear
// together, only on success): mask_NNN.png (8-bit, 255 inside, original size), overlay.png (the
// image with every mask tinted by its label's colour) and segments.json (prompts, per segment its
// file, label, score, per-prompt probabilities, bbox XYWH, area, SAM's predicted IoU and stability).
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/io/png.h"
#include "robomlx/vision/vision_factory.h"
#include "robomlx/vision/vision_image.h"
#include "robomlx/vision/vision_segment.h"

namespace robomlx::cli {

namespace {

struct SegmentArgs {
  std::string image, prompts, sam, clip, out;
  vision::SegmentOptions options;
};

std::vector<std::string> split_prompts(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b == std::string::npos) throw std::invalid_argument("[vision.segment] --prompts must be a comma-separated list of non-empty labels, got '" + text + "'");
    out.push_back(item.substr(b, e - b + 1));
  }
  if (out.empty() || (!text.empty() && text.back() == ','))
    throw std::invalid_argument("[vision.segment] --prompts must be a comma-separated list of non-empty labels, got '" + text + "'");
  return out;
}

void run_segment(const SegmentArgs& a, GlobalOptions& global) {
  const auto prompts = split_prompts(a.prompts);
  a.options.validate();
  OutputStage stage;
  const std::string dir = stage.folder(a.out, "--out");
  const mx::Device device = apply_device(global, Workload::general);
  const Image rgb = vision::read_vision_image(a.image);
  auto sam = vision::create_sam(a.sam, device);
  auto clip = vision::create_clip(a.clip, device);
  const auto segments = vision::segment_open_vocabulary(*clip.model, *sam.model, sam.image_settings, rgb, prompts, a.options, device);

  nlohmann::json j = {{"image", a.image}, {"width", rgb.width}, {"height", rgb.height}, {"prompts", prompts},
                      {"prompt_template", a.options.prompt_template}, {"segments", nlohmann::json::array()}};
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& seg = segments[i];
    char name[32];
    std::snprintf(name, sizeof name, "mask_%03zu.png", i);
    Image m = Image::zeros(rgb.height, rgb.width, 1, mx::uint8);
    for (std::size_t k = 0; k < seg.region.mask.size(); ++k) m.data<std::uint8_t>()[k] = seg.region.mask[k] ? 255 : 0;
    write_png(dir + "/" + name, m);
    nlohmann::json probs;
    for (std::size_t t = 0; t < prompts.size(); ++t) probs[prompts[t]] = seg.probabilities[t];
    j["segments"].push_back({{"file", name}, {"label", prompts[std::size_t(seg.label)]}, {"score", seg.score}, {"scores", probs},
                             {"bbox_xywh", seg.region.bbox}, {"area", seg.region.area}, {"predicted_iou", seg.region.predicted_iou},
                             {"stability_score", seg.region.stability_score}, {"point_xy", seg.region.point}});
  }
  write_png(dir + "/overlay.png", vision::segment_overlay(rgb, segments));
  write_file_atomically(dir + "/segments.json", j.dump(2) + "\n");
  stage.commit();
  std::printf("%zu segments -> %s\n", segments.size(), a.out.c_str());
}

void add_vision_segment(CLI::App& app, GlobalOptions& global) {
  auto a = std::make_shared<SegmentArgs>();
  auto* vision = ensure_subcommand(app, "vision", "CLIP and SAM: embeddings, open-vocabulary segmentation, parity");
  auto* cmd = vision->add_subcommand("segment", "Open-vocabulary segmentation: SAM masks named by CLIP");
  cmd->add_option("--image", a->image, "Image (PNG or JPEG)")->required();
  cmd->add_option("--prompts", a->prompts, "Comma-separated labels, e.g. \"tree,road,car\"")->required();
  cmd->add_option("--sam", a->sam, "SAM checkpoint folder (Hugging Face layout: facebook/sam-vit-*)")->required();
  cmd->add_option("--clip", a->clip, "CLIP checkpoint folder (Hugging Face layout: openai/clip-vit-*)")->required();
  cmd->add_option("--out", a->out, "Output folder (masks, overlay.png, segments.json)")->required();
  auto& m = a->options.masks;
  cmd->add_option("--points-per-side", m.points_per_side, "SAM point grid per side (default 32)");
  cmd->add_option("--points-per-batch", m.points_per_batch, "Points decoded together (default 64)");
  cmd->add_option("--pred-iou-thresh", m.pred_iou_thresh, "Keep masks whose predicted IoU exceeds this (default 0.88)");
  cmd->add_option("--stability-thresh", m.stability_score_thresh, "Keep masks at least this stable (default 0.95)");
  cmd->add_option("--nms-thresh", m.box_nms_thresh, "Box IoU above which NMS drops the lower-scored mask (default 0.7)");
  cmd->add_option("--max-segments", a->options.max_segments, "Best SAM masks kept (default 64)");
  cmd->add_option("--template", a->options.prompt_template, "CLIP text template, {} = the label (default \"a photo of a {}.\")");
  cmd->callback([a, &global] { run_segment(*a, global); });
}

}  // namespace

ROBOMLX_COMMAND(vision_segment, add_vision_segment);

}  // namespace robomlx::cli
