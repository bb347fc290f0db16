// SPDX-License-Identifier: Apache-2.0
// Training pieces for the sparse backbone: Adam on a flat parameter list, a synthetic shape
// classification task (sphere / cube / cylinder / torus surface samples with random rotation,
// scale and noise) and the loop behind `robomlx sparse train-demo`.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <mlx/array.h>

#include "robomlx/core/distributed.h"
#include "robomlx/sparse/backbone.h"

namespace robomlx::sparse {

namespace mx = mlx::core;

struct AdamOptions {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  void validate() const;
};

/// Adam (Kingma & Ba) with bias correction; state lives here, parameters are passed in and out.
class Adam {
 public:
  explicit Adam(AdamOptions options);
  /// Returns the updated parameters (lazy); grads[i] matches params[i] in shape.
  std::vector<mx::array> step(const std::vector<mx::array>& params, const std::vector<mx::array>& grads);
  /// First and second moments, for mx::eval alongside the parameters.
  std::vector<mx::array> state() const;
  int steps_taken() const { return t_; }

 private:
  AdamOptions options_;
  int t_ = 0;
  std::vector<mx::array> m_, v_;
};

/// Classes of the synthetic task, in label order.
inline constexpr const char* kShapeNames[] = {"sphere", "cube", "cylinder", "torus"};
inline constexpr int kNumShapes = 4;

struct ShapeBatch {
  mx::array points;    // float32 [B * P, 3], sample after sample, each centred, max |p| = 1
  mx::array batch;     // int32 [B * P]
  mx::array features;  // float32 [B * P, 4]: x, y, z, |p|
  mx::array labels;    // int32 [B]
  int num_samples = 0;
};

/// B samples of P surface points each; label uniform over kShapeNames; scale in [0.8, 1.2],
/// Gaussian noise sigma 0.01, a random rotation (about z only, or uniform over SO(3) with
/// full_rotation, a much harder task), then each sample scaled to max |p| = 1.
/// Deterministic in `rng`.
ShapeBatch make_shape_batch(int samples, int points_per_sample, std::mt19937& rng, bool full_rotation = false);

struct TrainOptions {
  int steps = 60;
  int batch = 8;              // samples per step
  int points = 512;           // points per sample
  uint64_t seed = 0;
  float learning_rate = 3e-3f;
  bool full_rotation = false;  // see make_shape_batch
  void validate() const;
};

struct StepStats {
  int step = 0;          // 1-based
  float loss = 0;
  float accuracy = 0;    // on this step's (fresh) batch, before the update
  double seconds = 0;    // wall time of this step
};

struct TrainSummary {
  std::vector<StepStats> history;
  double total_seconds = 0;
  long long num_parameters = 0;
  std::vector<mx::array> params;  // the final parameters, in Backbone order
};

/// Samples [first, last) of a batch, renumbered from 0.
ShapeBatch take_samples(const ShapeBatch& b, int first, int last);

/// Trains Backbone(config) on fresh synthetic batches; calls on_step after every step.
/// Data parallel in `group` (core/distributed.h): every rank draws the whole batch (the generator
/// stays in step), keeps shard_range(batch) of it and weights its loss by its share, so the one
/// all_sum of the gradients is the gradient of the whole batch's mean loss; the loss and accuracy
/// reported are the whole batch's. Parameters and Adam moments stay identical on every rank
/// (checked, bitwise, at the end). Needs batch >= ranks.
TrainSummary train_shape_classifier(const TrainOptions& options, const BackboneConfig& config,
                                    const std::function<void(const StepStats&)>& on_step = {},
                                    const DistGroup& group = DistGroup());

}  // namespace robomlx::sparse
