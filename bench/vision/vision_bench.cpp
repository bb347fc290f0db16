// SPDX-License-Identifier: Apache-2.0
// `robomlx bench vision`: CLIP ViT-B/32 and SAM ViT-B with random weights at the real sizes,
// written as Hugging Face checkpoints and loaded through create_clip / create_sam (--quick: tiny
// models, for CI smoke runs). Rows: CLIP image embeddings at batch 1 and 64 (images/s), text
// embeddings at batch 64 x 77 tokens (texts/s); SAM image encoder on one 1024x1024 image
// (ms/image), mask decoder for 1 and 64 single-point prompts on one embedding (ms/prompt).
// float32 on every device, bfloat16 too on a GPU. Inputs are on the device before the clock.
// The PyTorch transformers peer (scripts/vision_torch_peer.py) times the same rows.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/vision/vision_factory.h"
#include "vision_bench.h"

namespace robomlx::vision {

namespace {

namespace fs = std::filesystem;

std::string scratch_dir(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  const fs::path p = fs::path(tmp && *tmp ? tmp : "/tmp") / ("robomlx-bench-vision-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string dtype_name(mx::Dtype d) { return d == mx::bfloat16 ? "bfloat16" : d == mx::float16 ? "float16" : "float32"; }

void clip_cases(BenchContext& ctx, mx::Dtype dtype, const std::string& dir) {
  const mx::Device dev = ctx.device();
  const auto clip = create_clip(dir, dev, {dtype});
  const auto& m = *clip.model;
  const std::string suffix = std::string(" ").append(dtype_name(dtype)), model = ctx.quick ? "clip tiny" : "clip ViT-B/32";
  for (int batch : {1, 64}) {
    const mx::array pixels = mx::astype(mx::random::normal({batch, 224, 224, 3}, mx::float32, 0, 1, mx::random::key(batch), dev), dtype, dev);
    mx::eval(pixels);
    auto& r = ctx.run(model + " image embeddings b" + std::to_string(batch) + suffix,
                      [&] { return std::vector<mx::array>{clip_normalize(m.encode_image(pixels, false, dev).embeds, dev)}; });
    r.metrics["images_per_s"] = batch * 1000.0 / r.median_ms;
  }
  const int batch = 64;
  const mx::array ids = mx::random::randint(0, 49406, {batch, 77}, mx::int32, mx::random::key(3), dev);
  // Real texts end in EOS and are padded after it: put EOS at a varied position per row.
  const mx::array pos = mx::reshape(mx::arange(77, mx::int32, dev), {1, 77}, dev);
  const mx::array eos_at = mx::reshape(mx::add(mx::remainder(mx::arange(batch, mx::int32, dev), mx::array(60), dev), mx::array(10), dev), {batch, 1}, dev);
  const mx::array real = mx::astype(mx::less_equal(pos, eos_at, dev), mx::int32, dev);
  const mx::array text = mx::where(mx::greater_equal(pos, eos_at, dev), mx::array(49407), ids, dev);
  mx::eval(text, real);
  auto& r = ctx.run(model + " text embeddings b64" + suffix,
                    [&] { return std::vector<mx::array>{clip_normalize(m.encode_text(text, real, false, dev).embeds, dev)}; });
  r.metrics["texts_per_s"] = batch * 1000.0 / r.median_ms;
}

void sam_cases(BenchContext& ctx, mx::Dtype dtype, const std::string& dir) {
  const mx::Device dev = ctx.device();
  const auto sam = create_sam(dir, dev, {dtype});
  const auto& m = *sam.model;
  const std::string suffix = std::string(" ").append(dtype_name(dtype)), model = ctx.quick ? "sam tiny" : "sam ViT-B";
  const mx::array pixels = mx::random::normal({1, 1024, 1024, 3}, mx::float32, 0, 1, mx::random::key(4), dev);
  mx::eval(pixels);
  // The decoder rows reuse the encoder row's last output (an encoder run on a CPU takes seconds);
  // computed here only when a filter skipped that row.
  std::optional<mx::array> encoded;
  auto& r = ctx.run(model + " image encoder 1024x1024" + suffix, [&] {
    encoded = m.image_embeddings(pixels, dev);
    return std::vector<mx::array>{*encoded};
  });
  r.metrics["ms_per_image"] = r.median_ms;
  mx::array emb = encoded ? *encoded : m.image_embeddings(pixels, dev);
  mx::eval(emb);
  for (int P : {1, 64}) {
    SamPrompts pr;
    pr.points = mx::random::uniform(mx::array(0.0f), mx::array(1024.0f), {P, 1, 2}, mx::float32, mx::random::key(5), dev);
    pr.labels = mx::ones({P, 1}, mx::int32, dev);
    mx::eval(*pr.points, *pr.labels);
    std::string name = model;
    name.append(" mask decoder ").append(std::to_string(P)).append(P > 1 ? " prompts" : " prompt").append(suffix);
    auto& d = ctx.run(name, [&] {
      const SamMasks out = m.decode_masks(emb, pr, true, dev);
      return std::vector<mx::array>{out.logits, out.iou_scores};
    });
    d.metrics["ms_per_prompt"] = d.median_ms / P;
  }
}

void vision_suite(BenchContext& ctx) {
  const std::string clip = scratch_dir("clip"), sam = scratch_dir("sam");
  write_random_clip(clip, ctx.quick);
  write_random_sam(sam, ctx.quick);
  std::vector<mx::Dtype> dtypes{mx::float32};
  if (ctx.device().type == mx::Device::gpu) dtypes.push_back(mx::bfloat16);
  for (const auto d : dtypes) {
    clip_cases(ctx, d, clip);
    sam_cases(ctx, d, sam);
  }
  fs::remove_all(clip);
  fs::remove_all(sam);
}

}  // namespace

ROBOMLX_BENCH_SUITE(vision, "CLIP ViT-B/32 image / text embeddings and SAM ViT-B encoder / decoder, random weights at the real sizes", vision_suite);

}  // namespace robomlx::vision
