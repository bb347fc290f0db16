// SPDX-License-Identifier: Apache-2.0
// splat.train: 3D Gaussian-splatting training from a posed capture (Kerbl et al. 2023), with the
// optimisation schedule of the paper's trainer (graphdeco's train.py defaults) unless said.
//
// Data: a capture (capture.h). Training and test views: the capture's own test split
// (transforms_test.json) when it has one, else every test_every-th camera (index 0, N, 2N, ...
// in the capture's order; graphdeco's llffhold) is held out; test_every 0 trains on all. Images
// are decoded once, converted to float [3, H, W] in [0, 1] (grey replicated; an alpha channel
// composited over `background`, as graphdeco does for NeRF-synthetic), and resized by area
// averaging to the training resolution, the camera's intrinsics scaled with them. `resolution`
// is graphdeco's -r: 1, 2, 4 or 8 divide the size (rounded); -1 shrinks images wider than 1600
// px to 1600; any other value is the target width.
//
// Initial Gaussians (gaussians_from_points): one per SfM point, colour RGB2SH(rgb / 255) =
// (rgb / 255 - 0.5) / C0 in SH coefficient 0 (higher ones 0), isotropic scale
// sqrt(mean squared distance to the 3 nearest other points), floored at sqrt(1e-7), identity
// rotation, opacity 0.1. Without points: random_points uniform in a cube around the cameras'
// look-at point. scene_extent = 1.1 * max distance of the training camera centres to their mean;
// position learning rates and the densification sizes scale with it.
//
// One step t (1-based): the views are the next views_per_step (B) of a sequence of seeded
// permutations of the training views (a new permutation per pass; sample k = (t-1) B + i); active SH degree = min(sh_degree, t / sh_degree_every); render
// (rasterize.h, background fixed or uniform random per step); loss = (1 - l) L1 + l (1 - SSIM)
// with l = lambda_dssim (splat_image_metrics.h); gradients by mx::value_and_grad, one view at a
// time, averaged over the B views (the loss reported is the mean too); Adam
// (gaussian_adam.h) with the position rate log-linear from position_lr_init to position_lr_final
// (both times the extent) over position_lr_steps; while t < densify_until, the statistics of
// each of the step's views (its own loss's screen gradient, as with B = 1). Then, for t < densify_until: densify_and_prune (gaussian_densify.h) when
// t > densify_from and t is a multiple of densify_every (large-Gaussian pruning from
// t > opacity_reset_every on); opacity reset when t is a multiple of opacity_reset_every (and at
// densify_from with a white background). That second part runs at the start of step t + 1, so
// what is evaluated or saved after step t (scene(), evaluate(), checkpoints) is the scene before
// step t's densification, as graphdeco's reports and saves are. One detail differs from graphdeco:
// the step's Adam update comes before densification, where graphdeco densifies first and skips
// that step's update of the parameters it rebuilt.
//
// Data parallel (core/distributed.h, a group of R ranks): rank r takes views shard_range(B, r, R)
// of the step; one all_sum carries the gradient sums and the statistics' increments, all_max the
// radii, so every rank applies the same update and densifies the same way: the state stays
// identical on every rank (check_replicated verifies it, bitwise), and a checkpoint resumes on any
// number of ranks. With R ranks the result equals one rank's with the same B up to the order of
// the float sums. B = 1 on one rank is the original trainer, bit for bit.
//
// Everything random derives from (seed, t): the view order, the random background, the split
// samples. A run resumed from a checkpoint of step t therefore continues as the uninterrupted
// run would (on a CPU stream, to the bit: the tests compare the final PLY files).
//
// Checkpoint folder: point_cloud.ply (gaussian_ply.h: the raw parameters, graphdeco's file name),
// optimizer.safetensors (Adam moments "m.*", "v.*" and densification statistics "densify.*"),
// state.json (format, step, Adam step count, extent, options). Three flat files, so a command's
// output folder can be a checkpoint too. Errors reading one: FormatError "[splat.train] <file>: ...".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/distributed.h"
#include "robomlx/splat/capture.h"
#include "robomlx/splat/gaussian_adam.h"
#include "robomlx/splat/gaussian_densify.h"
#include "robomlx/splat/gaussian_scene.h"
#include "robomlx/splat/rasterize.h"

namespace robomlx::splat {

struct TrainOptions {
  int iterations = 30000;
  int sh_degree = 3;           // the scene's degree (0..3); the active degree grows to it
  int sh_degree_every = 1000;  // steps per active-degree increase
  double position_lr_init = 1.6e-4, position_lr_final = 1.6e-6;  // times the scene extent
  int position_lr_steps = 30000;
  float feature_lr = 2.5e-3f;         // SH coefficient 0
  float feature_rest_lr = 2.5e-3f / 20;
  float opacity_lr = 0.025f;          // graphdeco's newest (0.05 before 2024)
  float scaling_lr = 5e-3f;
  float rotation_lr = 1e-3f;
  float lambda_dssim = 0.2f;
  int densify_from = 500, densify_until = 15000, densify_every = 100;
  int opacity_reset_every = 3000;
  DensifySettings densify;  // prune_large is decided by the step, as described above
  int test_every = 8;       // 0: no hold-out
  int resolution = -1;
  std::array<float, 3> background{0, 0, 0};
  bool random_background = false;
  int random_points = 100000;  // initial Gaussians of a capture without points
  int eval_every = 1000;       // for callers that evaluate during training (0: at the end only)
  int checkpoint_every = 0;    // likewise, for periodic checkpoints (0: none)
  std::uint64_t seed = 0;
  int views_per_step = 1;      // the step's batch: its gradient is the mean over these views
  /// Throws std::invalid_argument "[splat.train] <option> must be ..., got ...".
  void validate() const;
  nlohmann::json to_json() const;
  /// Every field from `j`, missing ones at their defaults; FormatError naming `file` when a field
  /// has the wrong type, std::invalid_argument when a value is out of range.
  static TrainOptions from_json(const nlohmann::json& j, const std::string& file);
};

struct TrainView {
  Camera camera;    // at the training resolution
  mx::array image;  // [3, H, W] float32 in [0, 1]
};

struct TrainData {
  std::vector<TrainView> train, test;
  double extent = 1;
};

/// Decodes and resizes every image of the split (see above). Errors from reading images as
/// capture_image.h; a split without training views is a FormatError "[splat.train] <source>: ...".
TrainData load_train_data(const Capture& capture, const TrainOptions& options);

/// 1.1 * max |c - mean(c)| over the camera centres (1 when that is 0: one camera).
double scene_extent(const std::vector<Camera>& cameras);

/// `count` points, uniform in a cube centred on the point nearest to every camera's optical axis
/// (least squares; the mean of points one extent in front of the cameras when the axes are
/// near parallel), half-size 0.33 * the median camera distance to it; colours uniform.
// no stream: host-side sampling from a seed (mx::random with an explicit key, on the CPU)
SfmPoints random_points(const std::vector<Camera>& cameras, int count, std::uint64_t seed);

/// The initial scene of `points` (see above); the nearest-neighbour search is sparse::knn_search.
GaussianScene gaussians_from_points(const SfmPoints& points, int sh_degree, mx::StreamOrDevice s = {});

struct StepStats {
  long step = 0;
  float loss = 0, l1 = 0;
  float psnr = 0;  // of the clamped render against the view's image
  int gaussians = 0;  // rendered in this step
  std::optional<DensifyCounts> densified;  // what step - 1's densification did (at this step's start)
  bool opacity_reset = false;              // likewise
};

struct ViewScore {
  std::string name;
  double psnr = 0, ssim = 0;
};

struct EvalResult {
  std::string set;  // "test", or "train" (five training views) when nothing is held out
  std::vector<ViewScore> views;
  double psnr = 0, ssim = 0;  // means over the views
};

class Trainer {
 public:
  /// Starts from `initial` (validated; its sh_degree must be options.sh_degree). Work runs on `s`.
  Trainer(TrainData data, const TrainOptions& options, GaussianScene initial, mx::StreamOrDevice s = {});

  /// One step (see above); evaluates everything it changed.
  StepStats step();
  /// Renders the test views (clamped to [0, 1], the fixed background) and scores them.
  EvalResult evaluate();
  RasterOutput render(const Camera& camera, std::array<float, 3> background);

  /// Writes a checkpoint folder at `dir` (see above) as one staged folder: it appears complete or
  /// not at all; an existing one has its checkpoint files replaced.
  void save_checkpoint(const std::string& dir) const;
  /// The checkpoint's files into the existing folder `folder` (a caller's staging folder).
  void write_checkpoint(const std::string& folder) const;
  /// Continues from a checkpoint: scene, optimiser, statistics, step and extent. Its training
  /// options are not applied (read_checkpoint_options gives them).
  void load_checkpoint(const std::string& dir);

  /// Trains data-parallel in `group` from the next step on (every rank must call step() alike).
  void set_group(DistGroup group) { group_ = std::move(group); }
  const DistGroup& group() const { return group_; }
  /// Throws std::runtime_error unless scene, optimiser and statistics are bitwise the same on every
  /// rank of the group (a collective: every rank calls it).
  void check_replicated() const;

  long step_count() const { return step_; }
  int active_sh_degree(long step) const;
  const GaussianScene& scene() const { return scene_; }
  const TrainData& data() const { return data_; }
  const TrainOptions& options() const { return options_; }
  double extent() const { return data_.extent; }

 private:
  TrainData data_;
  TrainOptions options_;
  mx::Stream stream_;
  GaussianScene scene_;
  GaussianAdam adam_;
  DensifyStats stats_;
  long step_ = 0;
  std::vector<int> order_;  // view permutation of the current pass
  long order_pass_ = -1;
  DistGroup group_;

  const TrainView& view_for_sample(long k);  // k: 0-based sample index over the whole run
  std::array<float, 3> background_for(long step) const;
  GaussianLearningRates rates_for(long step) const;
  void densify_after(long step, StepStats& out);
};

/// The options a checkpoint folder was trained with (its state.json).
TrainOptions read_checkpoint_options(const std::string& dir);

/// An MLX random key derived from (seed, step, stream of randomness): the trainer's only source.
// no stream: a key is a 2-element constant
mx::array train_key(std::uint64_t seed, long step, int purpose);

}  // namespace robomlx::splat
