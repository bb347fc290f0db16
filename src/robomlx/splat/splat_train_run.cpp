// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/splat_train_run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <mlx/ops.h>

#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/progress.h"
#include "robomlx/splat/gaussian_ply.h"

namespace robomlx::splat {

namespace {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string path_in(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

// <out>.checkpoints beside the output folder ("out/" counts as "out").
std::string default_checkpoints(const std::string& out) {
  std::filesystem::path p(out);
  if (p.filename().empty()) p = p.parent_path();
  return p.string() + ".checkpoints";
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The checkpoint's options, with the ones the caller gave on top.
TrainOptions merged_options(const TrainRequest& r) {
  if (r.resume_dir.empty()) return r.options;
  json base = read_checkpoint_options(r.resume_dir).to_json();
  const json given = r.options.to_json();
  for (const auto& name : r.options_given) {
    if (!given.contains(name)) throw std::invalid_argument("[splat.train] no training option '" + name + "'");
    base[name] = given[name];
  }
  return TrainOptions::from_json(base, "the merged options");
}

json view_scores(const EvalResult& e) {
  json v = json::array();
  for (const auto& s : e.views) v.push_back({{"name", s.name}, {"psnr", s.psnr}, {"ssim", s.ssim}});
  return v;
}
}  // namespace

nlohmann::json run_splat_training(const TrainRequest& r, std::ostream& log_all, mx::StreamOrDevice s) {
  const TrainOptions options = merged_options(r);
  options.validate();
  const bool root = r.group.root();
  std::ostream& log = root_stream(r.group, log_all);
  OutputStage stage;  // --out is checked now and appears only when the run completes (rank 0's)
  const std::string out = root ? stage.folder(r.out_dir, "--out") : "";
  const std::string checkpoints = r.checkpoint_dir.empty() ? default_checkpoints(r.out_dir) : r.checkpoint_dir;
  if (root && options.checkpoint_every > 0) check_output_file(path_in(checkpoints, "step_0"), "--checkpoint-dir");
  const auto t0 = Clock::now();

  const Capture capture = load_capture(r.data_dir);
  TrainData data = load_train_data(capture, options);
  const bool from_points = capture.points && capture.points->size() > 0;
  std::string init = r.resume_dir.empty() ? (from_points ? "sfm points" : "random points") : "checkpoint";
  GaussianScene initial;
  if (!r.resume_dir.empty()) {
    initial = read_gaussian_ply(path_in(r.resume_dir, "point_cloud.ply"));
  } else {
    std::vector<Camera> cams;
    for (const auto& v : data.train) cams.push_back(v.camera);
    SfmPoints points = from_points ? *capture.points : random_points(cams, options.random_points, options.seed);
    const int cap = options.densify.max_gaussians;
    if (cap > 0 && points.size() > cap) {  // an even subset: the cap holds from the first step
      const int total = points.size();
      const auto rows = mx::astype(mx::floor(mx::multiply(mx::arange(cap, mx::float64, mx::Device::cpu),
                                                          mx::array(double(points.size()) / cap, mx::float64),
                                                          mx::Device::cpu),
                                             mx::Device::cpu),
                                   mx::int32, mx::Device::cpu);
      points.xyz = mx::take(points.xyz, rows, 0, mx::Device::cpu);
      points.rgb = mx::take(points.rgb, rows, 0, mx::Device::cpu);
      init += ", " + std::to_string(cap) + " of " + std::to_string(total);
    }
    initial = gaussians_from_points(points, options.sh_degree, s);
  }
  json summary;
  summary["capture"] = {{"source", capture.source},
                        {"train_views", data.train.size()},
                        {"test_views", data.test.size()},
                        {"width", data.train.front().camera.width},
                        {"height", data.train.front().camera.height},
                        {"extent", data.extent},
                        {"initial_gaussians", initial.size()},
                        {"init", init}};
  Trainer trainer(std::move(data), options, std::move(initial), s);
  if (!r.resume_dir.empty()) trainer.load_checkpoint(r.resume_dir);
  trainer.set_group(r.group);
  const long start = trainer.step_count();
  log << "splat train: " << trainer.data().train.size() << " training and " << trainer.data().test.size()
      << " test views at " << summary["capture"]["width"] << "x" << summary["capture"]["height"] << ", extent "
      << trainer.extent() << ", " << trainer.scene().size() << " Gaussians (" << init << "), steps " << start + 1
      << ".." << options.iterations << "\n";
  if (r.group.size() > 1)
    log << "splat train: data parallel on " << r.group.size() << " ranks (" << r.group.backend() << "), "
        << options.views_per_step << " views per step"
        << (options.views_per_step < r.group.size() ? " (fewer than ranks: some ranks idle)" : "") << "\n";

  json evals = json::array();
  std::string csv = "step,train_loss,test_psnr,test_ssim,gaussians,elapsed_s\n";
  double loss_sum = 0, train_seconds = 0;
  long loss_count = 0;
  std::optional<Progress> bar;
  if (r.progress && root) bar.emplace("splat train", options.iterations - start, "steps", log);
  EvalResult last;
  auto evaluate = [&](long step) {
    last = trainer.evaluate();
    const double elapsed = seconds_since(t0);
    const json loss = loss_count > 0 ? json(loss_sum / static_cast<double>(loss_count)) : json();
    evals.push_back({{"step", step},           {"train_loss", loss},     {"set", last.set},
                     {"psnr", last.psnr},      {"ssim", last.ssim},      {"gaussians", trainer.scene().size()},
                     {"elapsed_s", elapsed},   {"views", view_scores(last)}});
    char line[256];
    std::snprintf(line, sizeof line, "%ld,%s,%.4f,%.5f,%d,%.2f\n", step, loss.is_null() ? "" : std::to_string(loss.get<double>()).c_str(),
                  last.psnr, last.ssim, trainer.scene().size(), elapsed);
    csv += line;
    if (bar) bar->finish();
    std::snprintf(line, sizeof line, "step %ld: %s PSNR %.2f dB, SSIM %.4f (%zu views), %d Gaussians\n", step,
                  last.set.c_str(), last.psnr, last.ssim, last.views.size(), trainer.scene().size());
    log << line << std::flush;
    loss_sum = 0;
    loss_count = 0;
  };

  for (long t = start + 1; t <= options.iterations; ++t) {
    const auto ts = Clock::now();
    const StepStats st = trainer.step();
    train_seconds += seconds_since(ts);
    loss_sum += st.loss;
    ++loss_count;
    if (bar) {
      char detail[96];
      std::snprintf(detail, sizeof detail, "loss %.4f  train PSNR %.2f  %d Gaussians", st.loss, st.psnr, st.gaussians);
      bar->update(t - start, detail);
    }
    if (t == options.iterations) break;
    if (root && options.eval_every > 0 && t % options.eval_every == 0) evaluate(t);
    if (options.checkpoint_every > 0 && t % options.checkpoint_every == 0) {
      trainer.check_replicated();
      if (root) trainer.save_checkpoint(path_in(checkpoints, "step_" + std::to_string(t)));
    }
  }
  if (bar) bar->finish();
  trainer.check_replicated();
  if (r.group.size() > 1) log << "splat train: state identical on all " << r.group.size() << " ranks\n";
  if (!root) return summary;  // rank 0 evaluates and writes
  evaluate(trainer.step_count());

  const long steps = trainer.step_count() - start;
  summary["device"] = r.device;
  summary["ranks"] = r.group.size();
  summary["options"] = options.to_json();
  summary["start_step"] = start;
  summary["steps"] = steps;
  summary["train_seconds"] = train_seconds;
  summary["steps_per_second"] = train_seconds > 0 ? steps / train_seconds : 0.0;
  summary["evals"] = evals;
  summary["final"] = evals.back();
  trainer.write_checkpoint(out);
  write_file_atomically(path_in(out, "metrics.csv"), csv);
  write_file_atomically(path_in(out, "metrics.json"), summary.dump(2) + "\n");
  stage.commit();
  return summary;
}

}  // namespace robomlx::splat
