// SPDX-License-Identifier: Apache-2.0
// PPO checkpoints: policy.safetensors (parameters, Adam moments, observation statistics; float32
// by name, read back exactly) and policy.json (format, task, shapes, counters, the config and the
// per-iteration returns); the CLI stages the folder so both appear together or not at all.
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <unordered_map>

#include <mlx/io.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/sim/ppo_trainer.h"

namespace robomlx::sim {

namespace {
constexpr const char* kTag = "sim.checkpoint";
constexpr const char* kFormat = "robomlx-sim-ppo";
constexpr int kVersion = 1;
using json = nlohmann::json;
std::string in_dir(const std::string& dir, const char* name) { return (std::filesystem::path(dir) / name).string(); }
}  // namespace

void PpoTrainer::save(const std::string& dir) const {
  // Callers stage the folder (the CLI's --out): here the two files are written into it.
  const std::string& tmp = dir;
  std::filesystem::create_directories(dir);
  std::unordered_map<std::string, mx::array> arrays;
  for (const auto& [name, a] : params_) arrays.insert_or_assign("param." + name, a);
  for (const auto& [name, a] : adam_m_) arrays.insert_or_assign("adam_m." + name, a);
  for (const auto& [name, a] : adam_v_) arrays.insert_or_assign("adam_v." + name, a);
  arrays.insert_or_assign("obs_mean", norm_.mean);
  arrays.insert_or_assign("obs_var", norm_.var);
  mx::save_safetensors(in_dir(tmp, "policy.safetensors"), arrays, {{"format", kFormat}});
  json returns = json::array();
  for (const auto& h : history_) returns.push_back(std::isfinite(h.mean_episode_return) ? json(h.mean_episode_return) : json());
  json j = {{"format", kFormat}, {"version", kVersion}, {"task", env_.spec().id}, {"obs_dim", shape_.obs_dim},
            {"action_dim", shape_.action_dim}, {"hidden", shape_.hidden}, {"iteration", iteration_},
            {"env_steps", env_steps_}, {"adam_steps", adam_t_}, {"learning_rate", lr_}, {"obs_count", norm_.count},
            {"config", {{"horizon", config_.horizon}, {"epochs", config_.epochs}, {"minibatches", config_.minibatches},
                        {"lr_schedule", config_.lr_schedule}, {"gamma", config_.gamma}, {"lambda", config_.lambda},
                        {"clip", config_.clip}, {"value_coef", config_.value_coef},
                        {"entropy_coef", config_.entropy_coef}, {"reward_scale", config_.reward_scale},
                        {"seed", config_.seed}}},
            {"mean_episode_return", returns}};
  write_file_atomically(in_dir(tmp, "policy.json"), j.dump(2) + "\n");
}

void PpoTrainer::load(const std::string& dir) {
  const std::string jf = in_dir(dir, "policy.json"), sf = in_dir(dir, "policy.safetensors");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw FormatError(kTag, dir, "is not a checkpoint folder (expected policy.json and policy.safetensors)");
  json j;
  try {
    j = read_json_file(jf);
  } catch (const std::exception& e) {
    throw FormatError(kTag, jf, e.what());
  }
  if (!j.is_object() || j.value("format", std::string()) != kFormat || j.value("version", 0) != kVersion)
    throw FormatError(kTag, jf, std::string("not a PPO checkpoint (format \"") + kFormat + "\" version 1)");
  for (const char* key : {"iteration", "env_steps", "adam_steps", "learning_rate", "obs_count"})
    if (!j.contains(key) || !j[key].is_number() || j[key].get<double>() < 0)
      throw FormatError(kTag, jf, std::string("'") + key + "' must be a number >= 0");
  if (j.value("task", std::string()) != env_.spec().id)
    throw FormatError(kTag, jf, "was trained on '" + j.value("task", std::string("?")) + "', not " + env_.spec().id);
  if (!j.contains("hidden") || !j["hidden"].is_array() || j["hidden"].get<std::vector<int>>() != shape_.hidden)
    throw FormatError(kTag, jf, "'hidden' does not match this run's network");
  std::unordered_map<std::string, mx::array> arrays;
  try {
    arrays = mx::load_safetensors(sf, mx::Device::cpu).first;
    for (auto& [name, a] : arrays) mx::eval(a);
  } catch (const std::exception& e) {
    throw FormatError(kTag, sf, std::string("cannot read the policy: ") + e.what());
  }
  auto get = [&](const std::string& name, const mx::array& like) {
    auto it = arrays.find(name);
    if (it == arrays.end() || it->second.shape() != like.shape() || it->second.dtype() != mx::float32)
      throw FormatError(kTag, sf, "'" + name + "' is missing or not float32 of the network's shape");
    return mx::array(it->second);
  };
  ParamMap params, m1, m2;
  for (const auto& [name, a] : params_) {
    params.insert_or_assign(name, get("param." + name, a));
    m1.insert_or_assign(name, get("adam_m." + name, a));
    m2.insert_or_assign(name, get("adam_v." + name, a));
  }
  auto mean = get("obs_mean", norm_.mean), var = get("obs_var", norm_.var);
  params_ = std::move(params), adam_m_ = std::move(m1), adam_v_ = std::move(m2);
  norm_.mean = mean, norm_.var = var, norm_.count = j["obs_count"].get<double>();
  iteration_ = j["iteration"].get<long>(), env_steps_ = j["env_steps"].get<long>();
  adam_t_ = j["adam_steps"].get<long>(), lr_ = j["learning_rate"].get<double>();
  step_fn_ = nullptr;
  // The curve so far, so a resumed run's plot starts where the checkpoint's ended.
  history_.clear();
  if (j.contains("mean_episode_return") && j["mean_episode_return"].is_array()) {
    for (const auto& v : j["mean_episode_return"]) {
      PpoStats s;
      s.iteration = long(history_.size()) + 1;
      s.mean_episode_return = v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
      history_.push_back(s);
    }
  }
}

std::unique_ptr<PpoTrainer> load_policy(SimBackend& env, const std::string& dir) {
  PpoConfig cfg;
  // Only the widths are taken here; load() checks the rest and reports a bad file.
  try {
    const auto j = read_json_file(in_dir(dir, "policy.json"));
    if (j.contains("hidden") && j["hidden"].is_array()) cfg.hidden = j["hidden"].get<std::vector<int>>();
  } catch (const std::exception&) {
  }
  auto t = std::make_unique<PpoTrainer>(env, cfg);
  t->load(dir);
  return t;
}

}  // namespace robomlx::sim
