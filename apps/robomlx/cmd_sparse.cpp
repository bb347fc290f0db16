// SPDX-License-Identifier: Apache-2.0
// `robomlx sparse train-demo [--steps N] [--batch B] [--points P] [--seed S] [--lr X]
//  [--full-rotation] [--json FILE] [--weights FILE]`: trains the point-conv ResNet on synthetic
// shapes, with a one-line progress bar on stderr, and optionally writes the loss/accuracy history
// as JSON and the final parameters as safetensors ("p0", "p1", ... in Backbone order).
// Under `robomlx launch` the ranks share each batch (sparse/train.h); rank 0 prints and writes.
#include <cstdio>
#include <iostream>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include <mlx/io.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/distributed.h"
#include "robomlx/core/progress.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/sparse/train.h"

namespace robomlx::cli {

namespace {
struct TrainDemoArgs {
  sparse::TrainOptions train;
  std::string json, weights;
};

double mean_loss(const std::vector<sparse::StepStats>& h, size_t lo, size_t hi) {
  double s = 0;
  for (size_t i = lo; i < hi; ++i) s += h[i].loss;
  return hi > lo ? s / static_cast<double>(hi - lo) : 0.0;
}

void run_train_demo(const GlobalOptions& global, const TrainDemoArgs& args) {
  args.train.validate();
  OutputStage stage;  // --json is checked before training, and appears only when the run completes
  const DistGroup group = DistGroup::world();
  const bool root = group.root();
  const std::string json = args.json.empty() || !root ? "" : stage.file(args.json, "--json");
  const std::string weights = args.weights.empty() || !root ? "" : stage.file(args.weights, "--weights");
  mx::Device device = apply_device(global, Workload::training);
  std::ostream& out = root_stream(group, std::cout);
  sparse::BackboneConfig config;
  out << "sparse train-demo on " << describe_device(device) << ": " << args.train.steps << " steps, batch "
      << args.train.batch << " x " << args.train.points << " points, seed " << args.train.seed;
  if (group.size() > 1) out << ", data parallel on " << group.size() << " ranks (" << group.backend() << ")";
  out << "\n";
  Progress bar("sparse train-demo", args.train.steps, "steps", root_stream(group, std::cerr));
  auto progress = [&](const sparse::StepStats& s) {
    char detail[64];
    std::snprintf(detail, sizeof detail, "loss %.4f  acc %.2f", s.loss, s.accuracy);
    bar.update(s.step, detail);
  };
  auto summary = sparse::train_shape_classifier(args.train, config, progress, group);
  bar.finish();
  if (!root) return;
  const auto& h = summary.history;
  size_t n = h.size(), head = std::min<size_t>(3, n), tail = std::min<size_t>(10, n);
  double first = mean_loss(h, 0, head), last = mean_loss(h, n - tail, n);
  double acc = 0;
  for (size_t i = n - tail; i < n; ++i) acc += h[i].accuracy;
  acc /= static_cast<double>(tail);
  std::cout << "parameters " << summary.num_parameters << "; loss " << first << " (first " << head << " steps) -> "
            << last << " (last " << tail << "), accuracy " << acc << " (last " << tail << "); "
            << summary.total_seconds << " s, " << n / summary.total_seconds << " it/s\n";
  if (!weights.empty()) {
    std::unordered_map<std::string, mx::array> named;
    for (size_t i = 0; i < summary.params.size(); ++i) named.emplace("p" + std::to_string(i), summary.params[i]);
    // MLX appends ".safetensors" to a name without it: write under that name, then take the staged one.
    mx::save_safetensors(weights + ".safetensors", named);
    std::filesystem::rename(weights + ".safetensors", weights);
  }
  if (args.json.empty() && !weights.empty()) stage.commit();
  if (!args.json.empty()) {
    nlohmann::json doc;
    doc["task"] = "synthetic shape classification (sphere, cube, cylinder, torus)";
    doc["device"] = describe_device(device);
    doc["steps"] = args.train.steps;
    doc["batch"] = args.train.batch;
    doc["points"] = args.train.points;
    doc["seed"] = args.train.seed;
    doc["learning_rate"] = args.train.learning_rate;
    doc["full_rotation"] = args.train.full_rotation;
    doc["parameters"] = summary.num_parameters;
    doc["seconds"] = summary.total_seconds;
    doc["iterations_per_second"] = n / summary.total_seconds;
    doc["loss_first"] = first;
    doc["loss_last"] = last;
    doc["accuracy_last"] = acc;
    auto& hist = doc["history"] = nlohmann::json::array();
    for (const auto& s : h) hist.push_back({{"step", s.step}, {"loss", s.loss}, {"accuracy", s.accuracy}, {"seconds", s.seconds}});
    write_file_atomically(json, doc.dump(2) + "\n");
    stage.commit();
    std::cout << "wrote " << args.json << "\n";
  }
}

void add_sparse(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("sparse", "Sparse point-cloud networks (point convolution on MVMR)");
  cmd->require_subcommand(1);
  auto args = std::make_shared<TrainDemoArgs>();
  auto* demo = cmd->add_subcommand("train-demo", "Train the point-conv ResNet on synthetic shapes");
  demo->add_option("--steps", args->train.steps, "Optimiser steps")->check(CLI::Range(1, 1000000));
  demo->add_option("--batch", args->train.batch, "Shapes per step")->check(CLI::Range(1, 4096));
  demo->add_option("--points", args->train.points, "Points per shape")->check(CLI::Range(16, 1 << 20));
  demo->add_option("--seed", args->train.seed, "Seed for weights and data");
  demo->add_option("--lr", args->train.learning_rate, "Adam learning rate")->check(CLI::Range(1e-9, 10.0));
  demo->add_flag("--full-rotation", args->train.full_rotation, "Rotate shapes uniformly over SO(3) (harder)");
  demo->add_option("--json", args->json, "Write the run summary and loss history as JSON");
  demo->add_option("--weights", args->weights, "Write the final parameters as safetensors");
  demo->callback([&global, args] { run_train_demo(global, *args); });
}
}  // namespace

ROBOMLX_COMMAND(sparse, add_sparse);

}  // namespace robomlx::cli
