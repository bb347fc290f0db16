// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/sam_auto_masks.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/dispatch.h"

namespace robomlx::vision {

void SamAutoMaskOptions::validate() const {
  auto need = [](bool ok, const std::string& what, double v) {
    if (!ok) throw std::invalid_argument("[vision.automask] " + what + ", got " + std::to_string(v));
  };
  need(points_per_side >= 1 && points_per_side <= 256, "points_per_side must be in [1, 256]", points_per_side);
  need(points_per_batch >= 1 && points_per_batch <= 4096, "points_per_batch must be in [1, 4096]", points_per_batch);
  need(pred_iou_thresh >= 0 && pred_iou_thresh <= 2, "pred_iou_thresh must be in [0, 2]", pred_iou_thresh);
  need(stability_score_thresh >= 0 && stability_score_thresh <= 1, "stability_score_thresh must be in [0, 1]", stability_score_thresh);
  need(stability_score_offset >= 0 && stability_score_offset <= 100, "stability_score_offset must be in [0, 100]", stability_score_offset);
  need(box_nms_thresh >= 0 && box_nms_thresh <= 1, "box_nms_thresh must be in [0, 1]", box_nms_thresh);
  need(mask_threshold > -100 && mask_threshold < 100, "mask_threshold must be in (-100, 100)", mask_threshold);
}

float box_iou_xyxy(const std::array<int, 4>& a, const std::array<int, 4>& b) {
  const double iw = std::max(0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double ih = std::max(0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const double inter = iw * ih;
  const double uni = double(a[2] - a[0]) * (a[3] - a[1]) + double(b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? float(inter / uni) : 0.0f;
}

std::vector<SamAutoMask> sam_generate_masks(const SamModel& model, const SamImageSettings& settings, const Image& rgb,
                                            const SamAutoMaskOptions& o, mx::StreamOrDevice sd) {
  o.validate();
  const mx::Stream s = op_stream(sd);
  const SamImageInput in = sam_preprocess_image(rgb, settings, s);
  const mx::array emb = model.image_embeddings(mx::expand_dims(in.pixel_values, 0, s), s);
  mx::eval(emb);
  const int n = o.points_per_side, H = in.original_height, W = in.original_width;
  std::vector<std::array<float, 2>> grid;  // in [0, 1]
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) grid.push_back({(x + 0.5f) / n, (y + 0.5f) / n});

  struct Candidate {
    SamAutoMask m;
    std::array<int, 4> xyxy;
  };
  std::vector<Candidate> kept;
  for (std::size_t first = 0; first < grid.size(); first += std::size_t(o.points_per_batch)) {
    const int P = int(std::min(grid.size() - first, std::size_t(o.points_per_batch)));
    std::vector<float> pts;
    for (int i = 0; i < P; ++i) pts.insert(pts.end(), {grid[first + i][0] * in.resized_width, grid[first + i][1] * in.resized_height});
    SamPrompts pr;
    pr.points = mx::array(pts.data(), {P, 1, 2}, mx::float32);
    pr.labels = mx::ones({P, 1}, mx::int32);
    const SamMasks out = model.decode_masks(emb, pr, true, s);
    const int K = out.logits.shape(1);
    const mx::array logits = sam_upscale_masks(mx::reshape(out.logits, {P * K, out.logits.shape(2), out.logits.shape(3)}, s), in,
                                               model.config().image_size, s);  // [P*K, H, W]
    auto count_above = [&](float t) { return mx::sum(mx::astype(mx::greater(logits, mx::array(t), s), mx::int32, s), {1, 2}, false, s); };
    const mx::array inter = count_above(o.mask_threshold + o.stability_score_offset);
    const mx::array uni = count_above(o.mask_threshold - o.stability_score_offset);
    const mx::array stability = mx::divide(mx::astype(inter, mx::float32, s), mx::maximum(mx::astype(uni, mx::float32, s), mx::array(1.0f), s), s);
    mx::array iou = mx::reshape(out.iou_scores, {P * K}, s);
    const mx::array binary = mx::astype(mx::greater(logits, mx::array(o.mask_threshold), s), mx::uint8, s);
    mx::eval({stability, iou});
    const float* st = stability.data<float>();
    const float* io = iou.data<float>();
    for (int i = 0; i < P * K; ++i) {
      if (!(io[i] > o.pred_iou_thresh) || !(st[i] >= o.stability_score_thresh)) continue;
      mx::array one = mx::contiguous(mx::slice(binary, {i, 0, 0}, {i + 1, H, W}, s), false, s);
      mx::eval(one);
      Candidate c;
      c.m.width = W, c.m.height = H;
      c.m.mask.assign(one.data<std::uint8_t>(), one.data<std::uint8_t>() + std::size_t(H) * W);
      int x0 = W, y0 = H, x1 = -1, y1 = -1;
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
          if (c.m.mask[std::size_t(y) * W + x]) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y), ++c.m.area;
      if (c.m.area == 0) continue;
      c.xyxy = {x0, y0, x1, y1};
      c.m.bbox = {x0, y0, x1 - x0, y1 - y0};
      c.m.predicted_iou = io[i], c.m.stability_score = st[i];
      c.m.point = {grid[first + std::size_t(i / K)][0] * W, grid[first + std::size_t(i / K)][1] * H};
      kept.push_back(std::move(c));
    }
  }
  // Greedy NMS by predicted IoU (torchvision.ops.batched_nms with one category).
  std::vector<std::size_t> order(kept.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return kept[a].m.predicted_iou > kept[b].m.predicted_iou; });
  std::vector<SamAutoMask> result;
  std::vector<std::array<int, 4>> boxes;
  for (auto i : order) {
    bool suppressed = false;
    for (const auto& b : boxes) suppressed = suppressed || box_iou_xyxy(kept[i].xyxy, b) > o.box_nms_thresh;
    if (suppressed) continue;
    boxes.push_back(kept[i].xyxy);
    result.push_back(std::move(kept[i].m));
  }
  return result;
}

}  // namespace robomlx::vision
