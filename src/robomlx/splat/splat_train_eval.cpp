// SPDX-License-Identifier: Apache-2.0
// Held-out evaluation as the 3DGS papers report it: renders clamped to [0, 1], PSNR and SSIM per
// view, then the plain mean over views (not a pixel-weighted one).
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/splat/splat_image_metrics.h"
#include "robomlx/splat/splat_train.h"

namespace robomlx::splat {

EvalResult Trainer::evaluate() {
  EvalResult r;
  std::vector<const TrainView*> views;
  if (!data_.test.empty()) {
    r.set = "test";
    for (const auto& v : data_.test) views.push_back(&v);
  } else {
    // Nothing held out: five training views spread over the list, as graphdeco's training report.
    r.set = "train";
    const std::size_t n = data_.train.size(), k = std::min<std::size_t>(5, n);
    for (std::size_t i = 0; i < k; ++i) views.push_back(&data_.train[i * n / k]);
  }
  for (const TrainView* v : views) {
    auto out = render(v->camera, options_.background);
    auto img = mx::clip(out.color, mx::array(0.0f), mx::array(1.0f), stream_);
    auto p = psnr(img, v->image, stream_), q = ssim(img, v->image, stream_);
    mx::eval(p, q);
    r.views.push_back({v->camera.name, p.item<float>(), q.item<float>()});
    r.psnr += r.views.back().psnr;
    r.ssim += r.views.back().ssim;
  }
  if (!r.views.empty()) {
    r.psnr /= static_cast<double>(r.views.size());
    r.ssim /= static_cast<double>(r.views.size());
  }
  return r;
}

}  // namespace robomlx::splat
