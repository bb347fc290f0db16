// SPDX-License-Identifier: Apache-2.0
// The PPO policy: two MLPs (actor -> Gaussian mean with a state-independent log std, critic ->
// value) with ELU hidden layers, as Isaac Lab's rl_games configs use, plus the running observation
// normaliser (mean/var merged batch by batch, Chan et al.) whose statistics live in the checkpoint.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace robomlx::sim {

namespace mx = mlx::core;

struct PolicyShape {
  int obs_dim = 0;
  int action_dim = 0;
  std::vector<int> hidden = {32, 32};
};

/// Parameters by name ("actor.0.weight", "critic.2.bias", "log_std"); a std::map, so the order
/// (which the gradient and Adam vectors follow) is the names' order on every run.
using ParamMap = std::map<std::string, mx::array>;

/// Fresh parameters: weights U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default Linear init),
/// zero biases, the actor's last layer scaled by 0.01 so the first actions are near zero, log std 0.
ParamMap init_policy(const PolicyShape& shape, std::uint64_t seed);

/// The MLP `prefix` ("actor" / "critic") applied to x [B, in].
// no stream: traced inside value_and_grad / compile on the default device
mx::array mlp_forward(const ParamMap& p, const std::string& prefix, int layers, const mx::array& x);

/// Running mean and variance of observations; normalise() clips to +-5 as rl_games does.
struct ObsNormalizer {
  mx::array mean = mx::array(0.0f);
  mx::array var = mx::array(1.0f);
  double count = 1e-4;  // rl_games' epsilon: the first batch dominates at once
  explicit ObsNormalizer(int dim = 1);
  void update(const mx::array& batch);  // batch [B, dim]; lazy: mean and var are evaluated by their user
  mx::array normalize(const mx::array& obs) const;
};

}  // namespace robomlx::sim
