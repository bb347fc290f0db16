// SPDX-License-Identifier: Apache-2.0
// Checkpoints: the scene as the standard PLY (any 3DGS viewer opens it), the optimiser state as
// safetensors (float32 arrays by name, read back exactly), the rest as a small JSON.
#include <cmath>
#include <filesystem>
#include <string>
#include <unordered_map>

#include <mlx/io.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/splat_error_internal.h"
#include "robomlx/splat/splat_train.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.train";
constexpr const char* kFormat = "robomlx splat train checkpoint";
constexpr int kVersion = 1;
using json = nlohmann::json;

std::string path_in(const std::string& dir, const char* name) { return (std::filesystem::path(dir) / name).string(); }

json read_state(const std::string& dir) {
  const std::string file = path_in(dir, "state.json");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw FormatError(kTag, dir, "is not a checkpoint folder (expected point_cloud.ply, optimizer.safetensors, state.json)");
  const json j = detail::with_tag(kTag, [&] { return read_json_file(file); });
  if (!j.is_object() || j.value("format", std::string()) != kFormat)
    throw FormatError(kTag, file, std::string("not a training checkpoint (\"format\" must be \"") + kFormat + "\")");
  if (j.value("version", 0) != kVersion)
    throw FormatError(kTag, file, "checkpoint version " + j.value("version", json()).dump() + " is not supported (" +
                                      std::to_string(kVersion) + " is)");
  for (const char* key : {"step", "adam_steps", "extent"})
    if (!j.contains(key) || !j[key].is_number()) throw FormatError(kTag, file, std::string("'") + key + "' must be a number");
  if (!j.contains("options")) throw FormatError(kTag, file, "'options' is missing");
  return j;
}
}  // namespace

TrainOptions read_checkpoint_options(const std::string& dir) {
  const json j = read_state(dir);
  try {
    return TrainOptions::from_json(j["options"], path_in(dir, "state.json"));
  } catch (const std::invalid_argument& e) {
    throw FormatError(kTag, path_in(dir, "state.json"), e.what());
  }
}

void Trainer::save_checkpoint(const std::string& dir) const {
  OutputStage stage;
  write_checkpoint(stage.folder(dir, "checkpoint folder"));
  stage.commit();
}

void Trainer::write_checkpoint(const std::string& folder) const {
  const std::string& tmp = folder;
  write_gaussian_ply(path_in(tmp, "point_cloud.ply"), scene_);
  auto arrays = adam_.state();
  arrays.emplace("densify.grad_accum", stats_.grad_accum);
  arrays.emplace("densify.count", stats_.count);
  arrays.emplace("densify.max_radii", stats_.max_radii);
  mx::save_safetensors(path_in(tmp, "optimizer.safetensors"), arrays, {{"format", kFormat}});
  json state = {{"format", kFormat},        {"version", kVersion},        {"step", step_},
                {"adam_steps", adam_.steps()}, {"extent", data_.extent},  {"gaussians", scene_.size()},
                {"sh_degree", scene_.sh_degree}, {"options", options_.to_json()}};
  write_file_atomically(path_in(tmp, "state.json"), state.dump(2) + "\n");
}

void Trainer::load_checkpoint(const std::string& dir) {
  const json state = read_state(dir);
  const std::string state_file = path_in(dir, "state.json");
  const long step = state["step"].get<long>(), adam_steps = state["adam_steps"].get<long>();
  const double extent = state["extent"].get<double>();
  if (step < 0 || adam_steps < 0 || !(extent > 0) || !std::isfinite(extent))
    throw FormatError(kTag, state_file, "step and adam_steps must be >= 0 and extent a finite number > 0");
  GaussianScene scene = read_gaussian_ply(path_in(dir, "point_cloud.ply"));
  if (scene.sh_degree != options_.sh_degree)
    throw FormatError(kTag, path_in(dir, "point_cloud.ply"),
                      "the checkpoint's scene has SH degree " + std::to_string(scene.sh_degree) +
                          ", this run asks for " + std::to_string(options_.sh_degree));
  if (scene.size() == 0) throw FormatError(kTag, path_in(dir, "point_cloud.ply"), "the checkpoint's scene has no Gaussians");
  const std::string opt_file = path_in(dir, "optimizer.safetensors");
  std::unordered_map<std::string, mx::array> arrays;
  try {
    arrays = mx::load_safetensors(opt_file, mx::Device::cpu).first;
    for (auto& [name, a] : arrays) mx::eval(a);
  } catch (const std::exception& e) {
    throw FormatError(kTag, opt_file, std::string("cannot read the optimizer state: ") + e.what());
  }
  GaussianAdam adam(scene, adam_.settings(), stream_);
  DensifyStats stats;
  try {
    adam.restore(arrays, adam_steps, scene);
    const int n = scene.size();
    auto stat = [&](const char* name) {
      auto it = arrays.find(name);
      if (it == arrays.end() || it->second.shape() != mx::Shape{n} || it->second.dtype() != mx::float32)
        throw std::invalid_argument(std::string("[splat.train] '") + name + "' must be float32 [" + std::to_string(n) + "]");
      return it->second;
    };
    stats = {stat("densify.grad_accum"), stat("densify.count"), stat("densify.max_radii")};
  } catch (const std::invalid_argument& e) {
    throw FormatError(kTag, opt_file, e.what());
  }
  scene_ = std::move(scene);
  adam_ = std::move(adam);
  stats_ = std::move(stats);
  step_ = step;
  data_.extent = extent;
  order_pass_ = -1;
}

}  // namespace robomlx::splat
