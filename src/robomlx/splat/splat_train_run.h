// SPDX-License-Identifier: Apache-2.0
// `robomlx splat train`: a whole training run from a capture folder to an output folder
// (splat_train.h does the work). The output folder is staged (core/io/output_stage.h): it
// appears, complete, only when the run succeeds; on any error nothing is left in --out.
//   point_cloud.ply, optimizer.safetensors, state.json
//                     the trained scene (standard 3DGS PLY) and the rest of the final checkpoint:
//                     the folder itself is a checkpoint (--resume OUT trains further)
//   metrics.csv       one row per evaluation: step, train_loss (mean since the previous row),
//                     test_psnr, test_ssim, gaussians, elapsed_s
//   metrics.json      the same rows with per-view scores, the options, the capture, the device
//                     and the speed (steps per second)
// Periodic checkpoints (checkpoint_every > 0) go to checkpoint_dir/step_<N>/ (default
// <out>.checkpoints), each written as a whole when it is due: they survive a run that fails
// later, which is their purpose.
// Data parallel (request.group): every rank trains; rank 0 alone logs, evaluates and writes --out
// and the checkpoints, after checking that every rank holds the same state (a collective).
// Resuming: the checkpoint's options are the base and the ones given (`options_given`) replace
// them; the run continues at the checkpoint's step up to `iterations`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/splat/splat_train.h"

namespace robomlx::splat {

struct TrainRequest {
  std::string data_dir;        // a capture folder (capture.h)
  std::string out_dir;
  std::string resume_dir;      // a checkpoint folder, or ""
  std::string checkpoint_dir;  // "" = <out_dir>.checkpoints
  TrainOptions options;
  std::vector<std::string> options_given;  // names (TrainOptions::to_json keys) set by the caller
  std::string device;                      // for metrics.json, e.g. "cpu"
  bool progress = true;                    // progress on the log stream
  DistGroup group;                         // data-parallel ranks (splat_train.h); one process by default
};

/// Runs the request on `s`; progress and evaluation lines go to `log`. Returns metrics.json.
nlohmann::json run_splat_training(const TrainRequest& request, std::ostream& log, mx::StreamOrDevice s = {});

}  // namespace robomlx::splat
