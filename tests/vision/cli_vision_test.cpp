// SPDX-License-Identifier: Apache-2.0
// `robomlx vision ...` end to end: the golden command, embed and segment on the tiny checkpoints,
// and the bad inputs of issue 15 (truncated weights, a config that does not match the tensors,
// 1x1 and 20000x20000 images, an empty prompt list, another checkpoint format): one-line
// "[vision.*]" errors with exit 2 / 3 / 4 and nothing written.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli_table.h"
#include "hostile_files.h"
#include "robomlx/core/io/png.h"
#include "support.h"

namespace robomlx::test {
namespace {

namespace fs = std::filesystem;

std::string golden() { return shared_dir() + "/golden/vision"; }
std::string clip_dir() { return golden() + "/models/clip-vit-tiny-patch32"; }
std::string sam_dir() { return golden() + "/models/sam-vit-tiny"; }

std::string copy_of(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive);
  return to;
}

TEST(VisionCli, GoldenPassesEveryCase) {
  expect_row({"golden", "vision golden " + golden(), 0, "", "2 passed, 0 failed"}, temp_dir());
}

TEST(VisionCli, EmbedTextsAndImages) {
  const std::string t = temp_dir();
  expect_row({"embed", "vision embed --model " + clip_dir() + " --text 'a cat' --image " + golden() + "/images/camera.png --json " + t + "/e.json", 0,
              "", "", {t + "/e.json"}},
             t);
  const std::string json = slurp_text(t + "/e.json");
  EXPECT_NE(json.find("\"logits_per_image\""), std::string::npos);
  EXPECT_NE(json.find("\"text_embeddings\""), std::string::npos);
}

TEST(VisionCli, SegmentWritesMasksOverlayAndJson) {
  const std::string t = temp_dir(), out = t + "/seg";
  expect_row({"segment", "vision segment --image " + golden() + "/images/camera.png --prompts 'man, camera' --sam " + sam_dir() + " --clip " +
                             clip_dir() + " --out " + out + " --points-per-side 4 --pred-iou-thresh 0 --stability-thresh 0",
              0, "", "segments", {out + "/overlay.png", out + "/segments.json", out + "/mask_000.png"}},
             t);
}

TEST(VisionCli, BadInputsFailWithOneLineAndWriteNothing) {
  const std::string t = temp_dir(), out = t + "/never";
  const std::string truncated = copy_of(clip_dir(), t + "/truncated");
  fs::resize_file(truncated + "/model.safetensors", fs::file_size(truncated + "/model.safetensors") / 2);
  const std::string mismatch = copy_of(clip_dir(), t + "/mismatch");
  {
    std::string cfg = slurp_text(mismatch + "/config.json");
    cfg.replace(cfg.find("\"intermediate_size\": 128"), 24, "\"intermediate_size\": 96");
    std::ofstream(mismatch + "/config.json") << cfg;
  }
  const std::string pickle = t + "/pickle";
  fs::create_directories(pickle);
  std::ofstream(pickle + "/pytorch_model.bin") << "not a zip";
  std::ofstream(pickle + "/config.json") << R"({"model_type": "clip"})";
  write_png(t + "/tiny.png", Image::zeros(1, 1, 3, mx::uint8));
  write_file(t + "/huge.png", png_claiming(20000, 20000));
  const std::string seg = " --sam " + sam_dir() + " --clip " + clip_dir() + " --out " + out;
  const std::vector<CliRow> rows = {
      {"truncated weights", "vision embed --model " + truncated + " --text a", 3, "[vision.clip]"},
      {"config does not match the tensors", "vision embed --model " + mismatch + " --text a", 3, "config.json implies"},
      {"pickled checkpoint", "vision embed --model " + pickle + " --text a", 4, "checkpoint format is not supported"},
      {"1x1 image", "vision embed --model " + clip_dir() + " --image " + t + "/tiny.png", 3, "at least 8x8 pixels, got 1x1"},
      {"20000x20000 image", "vision embed --model " + clip_dir() + " --image " + t + "/huge.png", 3, "[vision.image]"},
      {"nothing to embed", "vision embed --model " + clip_dir(), 2, "[vision.embed]"},
      {"empty prompt list", "vision segment --image " + golden() + "/images/camera.png --prompts ''" + seg, 2, "[vision.segment] --prompts", "", {}, {out}},
      {"empty prompt in the list", "vision segment --image " + golden() + "/images/camera.png --prompts 'tree,,car'" + seg, 2, "[vision.segment]", "", {}, {out}},
      {"1x1 image to segment", "vision segment --image " + t + "/tiny.png --prompts tree" + seg, 3, "[vision.image]", "", {}, {out}},
      {"20000x20000 image to segment", "vision segment --image " + t + "/huge.png --prompts tree" + seg, 3, "[vision.image]", "", {}, {out}},
      {"a CLIP folder given as --sam", "vision segment --image " + golden() + "/images/camera.png --prompts tree --sam " + truncated + " --clip " + clip_dir() +
                            " --out " + out, 4, "model_type \"clip\" is not supported here", "", {}, {out}},
  };
  for (const auto& row : rows) expect_row(row, t);
}

}  // namespace
}  // namespace robomlx::test
