// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/vision_segment.h"

#include <algorithm>
#include <stdexcept>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/dispatch.h"

namespace robomlx::vision {

namespace {

constexpr std::uint8_t kMean[3] = {123, 117, 104};  // CLIP's normalisation mean x 255

// The region's box, pixels outside the mask in the mean colour, padded to a square.
Image region_crop(const Image& rgb, const SamAutoMask& m) {
  const int x0 = m.bbox[0], y0 = m.bbox[1], w = m.bbox[2] + 1, h = m.bbox[3] + 1, side = std::max(w, h);
  Image out = Image::zeros(side, side, 3, mx::uint8);
  const int ox = (side - w) / 2, oy = (side - h) / 2;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const int sx = x - ox + x0, sy = y - oy + y0;
      const bool in = x >= ox && x < ox + w && y >= oy && y < oy + h && m.mask[std::size_t(sy) * m.width + sx];
      for (int c = 0; c < 3; ++c) out.data<std::uint8_t>()[(std::size_t(y) * side + x) * 3 + c] = in ? rgb.at<std::uint8_t>(sy, sx, c) : kMean[c];
    }
  return out;
}

}  // namespace

void SegmentOptions::validate() const {
  masks.validate();
  if (max_segments < 1 || max_segments > 4096)
    throw std::invalid_argument("[vision.segment] max_segments must be in [1, 4096], got " + std::to_string(max_segments));
  if (prompt_template.find("{}") == std::string::npos)
    throw std::invalid_argument("[vision.segment] prompt_template must contain {}, got '" + prompt_template + "'");
}

std::array<std::uint8_t, 3> label_colour(int label) {
  static const std::uint8_t palette[][3] = {{230, 25, 75}, {60, 180, 75}, {255, 225, 25}, {0, 130, 200}, {245, 130, 48},
                                            {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {210, 245, 60}, {250, 190, 212},
                                            {0, 128, 128}, {220, 190, 255}, {170, 110, 40}, {128, 0, 0}, {170, 255, 195}, {0, 0, 128}};
  const auto& p = palette[std::size_t(label < 0 ? 0 : label) % 16];
  return {p[0], p[1], p[2]};
}

std::vector<LabelledSegment> segment_open_vocabulary(const ClipModel& clip, const SamModel& sam, const SamImageSettings& sam_settings,
                                                     const Image& rgb, const std::vector<std::string>& prompts,
                                                     const SegmentOptions& options, mx::StreamOrDevice sd) {
  options.validate();
  if (prompts.empty()) throw std::invalid_argument("[vision.segment] prompts must name at least one label, got none");
  for (const auto& p : prompts)
    if (p.find_first_not_of(" \t") == std::string::npos) throw std::invalid_argument("[vision.segment] prompts must not be empty, got '" + p + "'");
  const mx::Stream s = op_stream(sd);
  auto regions = sam_generate_masks(sam, sam_settings, rgb, options.masks, s);
  if (int(regions.size()) > options.max_segments) regions.resize(std::size_t(options.max_segments));
  std::vector<LabelledSegment> out;
  if (regions.empty()) return out;
  std::vector<std::string> texts;
  for (const auto& p : prompts) {
    std::string t = options.prompt_template;
    t.replace(t.find("{}"), 2, p);
    texts.push_back(t);
  }
  const mx::array text = clip.embed_texts(texts, s);
  std::vector<Image> crops;
  for (const auto& r : regions) crops.push_back(region_crop(rgb, r));
  mx::array probs = mx::softmax(clip.logits_per_image(clip.embed_images(crops, s), text, s), -1, true, s);
  probs = mx::contiguous(mx::astype(probs, mx::float32, s), false, s);
  mx::eval(probs);
  const int T = int(prompts.size());
  for (std::size_t i = 0; i < regions.size(); ++i) {
    LabelledSegment seg;
    seg.probabilities.assign(probs.data<float>() + i * T, probs.data<float>() + (i + 1) * T);
    seg.label = int(std::max_element(seg.probabilities.begin(), seg.probabilities.end()) - seg.probabilities.begin());
    seg.score = seg.probabilities[std::size_t(seg.label)];
    seg.region = std::move(regions[i]);
    out.push_back(std::move(seg));
  }
  return out;
}

Image segment_overlay(const Image& rgb, const std::vector<LabelledSegment>& segments) {
  Image out = rgb;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    const auto colour = label_colour(it->label);
    for (std::size_t i = 0; i < it->region.mask.size(); ++i)
      if (it->region.mask[i])
        for (int c = 0; c < 3; ++c) {
          auto& v = out.data<std::uint8_t>()[i * 3 + std::size_t(c)];
          v = std::uint8_t((int(v) + int(colour[std::size_t(c)]) + 1) / 2);
        }
  }
  return out;
}

}  // namespace robomlx::vision
