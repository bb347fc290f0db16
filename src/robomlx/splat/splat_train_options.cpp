// SPDX-License-Identifier: Apache-2.0
// TrainOptions: validation and the JSON form a checkpoint keeps (so a resumed run can be told
// what the original was trained with). One table of fields serves both directions.
#include <functional>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/splat/splat_train.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.train";
using json = nlohmann::json;

// Visits every field as (name, reference): to_json reads them, from_json writes them.
template <typename O, typename F>
void each_field(O& o, F&& f) {
  f("iterations", o.iterations);
  f("sh_degree", o.sh_degree);
  f("sh_degree_every", o.sh_degree_every);
  f("position_lr_init", o.position_lr_init);
  f("position_lr_final", o.position_lr_final);
  f("position_lr_steps", o.position_lr_steps);
  f("feature_lr", o.feature_lr);
  f("feature_rest_lr", o.feature_rest_lr);
  f("opacity_lr", o.opacity_lr);
  f("scaling_lr", o.scaling_lr);
  f("rotation_lr", o.rotation_lr);
  f("lambda_dssim", o.lambda_dssim);
  f("densify_from", o.densify_from);
  f("densify_until", o.densify_until);
  f("densify_every", o.densify_every);
  f("opacity_reset_every", o.opacity_reset_every);
  f("densify_grad_threshold", o.densify.grad_threshold);
  f("percent_dense", o.densify.percent_dense);
  f("min_opacity", o.densify.min_opacity);
  f("max_screen_radius", o.densify.max_screen_radius);
  f("max_world_scale", o.densify.max_world_scale);
  f("max_gaussians", o.densify.max_gaussians);
  f("test_every", o.test_every);
  f("resolution", o.resolution);
  f("background", o.background);
  f("random_background", o.random_background);
  f("random_points", o.random_points);
  f("eval_every", o.eval_every);
  f("checkpoint_every", o.checkpoint_every);
  f("seed", o.seed);
  f("views_per_step", o.views_per_step);
}
}  // namespace

void TrainOptions::validate() const {
  check_range(kTag, "iterations", iterations, 1, 1e9);
  check_range(kTag, "sh_degree", sh_degree, 0, 3);
  check_range(kTag, "sh_degree_every", sh_degree_every, 1, 1e9);
  check_range(kTag, "position_lr_init", position_lr_init, 1e-30, 1e3);
  check_range(kTag, "position_lr_final", position_lr_final, 1e-30, 1e3);
  check_range(kTag, "position_lr_steps", position_lr_steps, 1, 1e9);
  for (auto [name, v] : {std::pair{"feature_lr", feature_lr}, std::pair{"feature_rest_lr", feature_rest_lr},
                         std::pair{"opacity_lr", opacity_lr}, std::pair{"scaling_lr", scaling_lr},
                         std::pair{"rotation_lr", rotation_lr}})
    check_range(kTag, name, v, 0, 1e3);
  check_range(kTag, "lambda_dssim", lambda_dssim, 0, 1);
  check_range(kTag, "densify_from", densify_from, 0, 1e9);
  check_range(kTag, "densify_until", densify_until, 0, 1e9);
  check_range(kTag, "densify_every", densify_every, 1, 1e9);
  check_range(kTag, "opacity_reset_every", opacity_reset_every, 1, 1e9);
  densify.validate();
  check_range(kTag, "test_every", test_every, 0, 1e9);
  if (resolution != -1) check_range(kTag, "resolution (-1, a factor 1/2/4/8, or a width)", resolution, 1, 16384);
  for (float b : background) check_range(kTag, "background", b, 0, 1);
  check_range(kTag, "random_points", random_points, 1, 1e8);
  check_range(kTag, "eval_every", eval_every, 0, 1e9);
  check_range(kTag, "checkpoint_every", checkpoint_every, 0, 1e9);
  check_range(kTag, "views_per_step", views_per_step, 1, 1e6);
}

nlohmann::json TrainOptions::to_json() const {
  json j = json::object();
  each_field(*this, [&](const char* name, const auto& v) { j[name] = v; });
  return j;
}

TrainOptions TrainOptions::from_json(const nlohmann::json& j, const std::string& file) {
  if (!j.is_object()) throw FormatError(kTag, file, "options must be a JSON object");
  TrainOptions o;
  each_field(o, [&](const char* name, auto& v) {
    if (!j.contains(name)) return;
    try {
      j.at(name).get_to(v);
    } catch (const json::exception&) {
      throw FormatError(kTag, file, std::string("option '") + name + "' has the wrong type: " + j.at(name).dump());
    }
  });
  o.validate();
  return o;
}

}  // namespace robomlx::splat
