// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/actor_critic.h"

#include <cmath>

#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

namespace robomlx::sim {

ParamMap init_policy(const PolicyShape& shape, std::uint64_t seed) {
  ParamMap p;
  auto key = mx::random::key(seed);
  auto next = [&key] {
    auto pair = mx::random::split(key);
    key = pair.first;
    return pair.second;
  };
  for (const std::string net : {"actor", "critic"}) {
    std::vector<int> dims = {shape.obs_dim};
    dims.insert(dims.end(), shape.hidden.begin(), shape.hidden.end());
    dims.push_back(net == "actor" ? shape.action_dim : 1);
    for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
      const float bound = 1.0f / std::sqrt(float(dims[l]));
      auto w = mx::random::uniform(-bound, bound, {dims[l], dims[l + 1]}, mx::float32, next());
      if (net == "actor" && l + 2 == dims.size()) w = w * 0.01f;
      p.insert_or_assign(net + "." + std::to_string(l) + ".weight", w);
      p.insert_or_assign(net + "." + std::to_string(l) + ".bias", mx::zeros({dims[l + 1]}, mx::float32));
    }
  }
  p.insert_or_assign("log_std", mx::zeros({shape.action_dim}, mx::float32));
  for (auto& [name, a] : p) mx::eval(a);
  return p;
}

mx::array mlp_forward(const ParamMap& p, const std::string& prefix, int layers, const mx::array& x) {
  auto h = x;
  for (int l = 0; l < layers; ++l) {
    h = mx::addmm(p.at(prefix + "." + std::to_string(l) + ".bias"), h, p.at(prefix + "." + std::to_string(l) + ".weight"));
    if (l + 1 < layers) h = mx::where(h > 0.0f, h, mx::exp(mx::minimum(h, mx::array(0.0f))) - 1.0f);  // ELU
  }
  return h;
}

ObsNormalizer::ObsNormalizer(int dim) : mean(mx::zeros({dim}, mx::float32)), var(mx::ones({dim}, mx::float32)) {}

void ObsNormalizer::update(const mx::array& batch) {
  const double n = batch.shape(0);
  auto bmean = mx::mean(batch, 0), bvar = mx::var(batch, 0);
  const double total = count + n;
  auto delta = bmean - mean;
  mean = mean + delta * float(n / total);
  var = (var * float(count) + bvar * float(n) + delta * delta * float(count * n / total)) / float(total);
  count = total;
}

mx::array ObsNormalizer::normalize(const mx::array& obs) const {
  return mx::clip((obs - mean) / mx::sqrt(var + 1e-5f), mx::array(-5.0f), mx::array(5.0f));
}

}  // namespace robomlx::sim
