// SPDX-License-Identifier: Apache-2.0
// `robomlx depth process` (run a block chain over a .bag recording or depth images) and
// `robomlx depth capture` (live capture: needs librealsense, which this build does not link).
// `robomlx depth golden` is added to the same parent by another file.
#include <charconv>
#include <cmath>
#include <iostream>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/error.h"
#include "robomlx/depth/pipeline.h"
#include "robomlx/depth/pipeline_outputs.h"
#include "robomlx/depth/pipeline_run.h"

namespace robomlx::cli {

namespace {

namespace depth = robomlx::depth;

struct ProcessArgs {
  std::vector<std::string> inputs;
  std::string chain;
  CLI::Option* chain_option = nullptr;  // --chain "" given is an error, not the default chain
  std::vector<std::string> sets;
  std::string preset;
  std::string out;
  std::string outputs = "depth,colorized,cloud";
  std::string intrinsics;
  float depth_units = 0.001f;
  float baseline_mm = 0;
  bool no_progress = false;
};

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

depth::Intrinsics parse_intrinsics(const std::string& text) {
  auto parts = split_csv(text);
  std::vector<float> v;
  for (const auto& p : parts) {
    float x = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), x);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || !std::isfinite(x))
      throw std::invalid_argument("[depth.process] --intrinsics must be fx,fy,ppx,ppy (finite numbers), got '" + text + "'");
    v.push_back(x);
  }
  if (v.size() != 4) throw std::invalid_argument("[depth.process] --intrinsics must be fx,fy,ppx,ppy (4 numbers), got '" + text + "'");
  depth::Intrinsics in;
  in.fx = v[0], in.fy = v[1], in.ppx = v[2], in.ppy = v[3];
  return in;
}

// Whole-config validation: the chain (--chain or the preset) and every --set are merged first,
// then the blocks are built once with the result. Settings from the preset alone that a block
// refuses make the preset malformed (exit 3, naming it); with --set in play it is the combination
// (exit 2, naming what was merged).
void validate_chain(const depth::ChainSpec& chain, const ProcessArgs& a) {
  try {
    depth::Pipeline blocks(chain);
    depth::OutputBlocks outputs(chain, !chain.colorizer.empty(), !chain.pointcloud.empty());
  } catch (const std::invalid_argument& e) {
    if (!a.preset.empty() && a.sets.empty()) throw FormatError(a.preset, e.what());
    if (a.sets.empty()) throw;
    std::string from = a.preset.empty() ? "--chain" : a.preset;
    for (const auto& s : a.sets) from += ", --set " + s;
    throw std::invalid_argument(std::string(e.what()) + "; settings merged from: " + from);
  }
}

void run_depth_process(const GlobalOptions& global, const ProcessArgs& a) {
  depth::ProcessRequest r;
  r.inputs = a.inputs;
  r.out_dir = a.out;
  const bool chain_given = a.chain_option != nullptr && a.chain_option->count() > 0;
  if (!a.preset.empty() && chain_given)
    throw std::invalid_argument("[depth.process] use either --chain or --preset, not both (a preset holds its chain)");
  r.chain = a.preset.empty() ? depth::parse_chain(chain_given ? a.chain : "standard") : depth::load_preset(a.preset);
  for (const auto& s : a.sets) depth::apply_setting(r.chain, s);
  validate_chain(r.chain, a);
  r.outputs = split_csv(a.outputs);
  if (!a.intrinsics.empty()) r.intrinsics = parse_intrinsics(a.intrinsics);
  r.depth_units = a.depth_units;
  r.baseline_mm = a.baseline_mm;
  r.progress = !a.no_progress;
  r.validate();
  mx::Device device = apply_device(global, Workload::depth_filters);
  r.device = describe_device(device);
  auto summary = depth::run_process(r, std::cerr);
  std::cout << "processed " << summary["frame_count"].get<std::size_t>() << " frame(s) on " << r.device << " in "
            << summary["total_ms"].get<double>() << " ms -> " << a.out << "\n";
}

void add_depth(CLI::App& app, GlobalOptions& global) {
  auto* depth_cmd = ensure_subcommand(app, "depth", "Intel RealSense processing blocks");

  auto a = std::make_shared<ProcessArgs>();
  auto* p = depth_cmd->add_subcommand("process", "Run a chain of processing blocks over a .bag recording or depth images");
  p->add_option("--input", a->inputs, "One .bag recording, or depth images (16-bit PGM/PNG, raw Z16 units)")->required();
  a->chain_option = p->add_option("--chain", a->chain,
                "Blocks in order, comma-separated (default 'standard' = decimation,depth2disparity,spatial,temporal,"
                "disparity2depth,hole_filling)");
  p->add_option("--set", a->sets, "block.option=value, repeatable (e.g. spatial.filter_smooth_alpha=0.4, colorizer.color_scheme=2)");
  p->add_option("--preset", a->preset, "JSON preset: {\"chain\": [...], \"colorizer\": {...}, \"pointcloud\": {...}}");
  p->add_option("--out", a->out,
                "Output folder (appears when the run succeeds, nothing is left on error; a reused folder has robomlx's "
                "previous outputs replaced, other files kept)")
      ->required();
  p->add_option("--outputs", a->outputs, "Any of depth,colorized,cloud (default all)");
  p->add_option("--intrinsics", a->intrinsics, "Image inputs: fx,fy,ppx,ppy in pixels");
  p->add_option("--depth-units", a->depth_units, "Image inputs: metres per depth unit (default 0.001)");
  p->add_option("--baseline-mm", a->baseline_mm, "Image inputs: stereo baseline in mm (disparity transforms need it)");
  p->add_flag("--no-progress", a->no_progress, "No progress bar on stderr");
  p->callback([&global, a] { run_depth_process(global, *a); });

  auto* c = depth_cmd->add_subcommand("capture", "Live capture from a RealSense camera (needs librealsense)");
  c->allow_extras();
  c->callback([] {
    throw UnsupportedFeatureError(
        "[depth.capture] live capture needs librealsense2, which this build does not link; record a .bag with "
        "realsense-viewer or rs-record and run `robomlx depth process --input REC.bag --out DIR`");
  });
}

}  // namespace

ROBOMLX_COMMAND(depth, add_depth);

}  // namespace robomlx::cli
