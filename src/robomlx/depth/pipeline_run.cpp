// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/pipeline_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/core/error.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/core/progress.h"
#include "robomlx/depth/pipeline_outputs.h"
#include "robomlx/depth/bag.h"
#include "robomlx/depth/recording.h"

namespace robomlx::depth {

namespace fs = std::filesystem;

namespace {

const std::string kTag = "[depth.process] ";

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(kTag + what); }

std::string lower_ext(const std::string& path) {
  std::string e = fs::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return e;
}


std::vector<Frame> load_images(const ProcessRequest& r) {
  std::vector<Frame> frames;
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    const std::string& path = r.inputs[i];
    std::string ext = lower_ext(path);
    Image im;
    if (ext == ".pgm") im = read_pnm(path);
    else if (ext == ".png") im = read_png(path);
    else if (ext == ".bag") bad("--input: a .bag recording must be the only input, got " + std::to_string(r.inputs.size()) + " inputs");
    else bad("--input '" + path + "': unsupported extension '" + ext + "' (expected .bag, .pgm or .png)");
    if (im.dtype != mx::uint16 || im.channels != 1)
      throw FormatError(path, "expected a 16-bit single-channel depth image (Z16 raw units), got " +
                                  std::to_string(8 * im.sample_size()) + "-bit with " + std::to_string(im.channels) + " channel(s)");
    if (!frames.empty() && (im.width != frames[0].width() || im.height != frames[0].height()))
      throw FormatError(path, "frame is " + std::to_string(im.width) + "x" + std::to_string(im.height) +
                                  " but the first input is " + std::to_string(frames[0].width()) + "x" +
                                  std::to_string(frames[0].height()) + " (all frames of a sequence must match)");
    Frame f;
    f.data = im.to_array_2d();
    f.format = FrameFormat::z16;
    f.depth_units = r.depth_units;
    f.baseline_mm = r.baseline_mm;
    f.frame_number = static_cast<long long>(i);
    if (r.intrinsics) {
      f.intrinsics = *r.intrinsics;
      if (f.intrinsics.width == 0 && f.intrinsics.height == 0) {  // --intrinsics gives no size
        f.intrinsics.width = im.width;
        f.intrinsics.height = im.height;
      } else if (f.intrinsics.width != im.width || f.intrinsics.height != im.height) {
        bad("intrinsics are for " + std::to_string(f.intrinsics.width) + "x" + std::to_string(f.intrinsics.height) +
            " but '" + path + "' is " + std::to_string(im.width) + "x" + std::to_string(im.height));
      }
    } else {
      f.intrinsics.width = im.width;
      f.intrinsics.height = im.height;
    }
    frames.push_back(f);
  }
  return frames;
}

bool finite_positive(float v) { return std::isfinite(v) && v > 0; }

void check_camera(const Frame& f, const std::string& source, bool stereo, bool cloud) {
  const Intrinsics& in = f.intrinsics;
  auto need = [&](const std::string& what, const std::string& field, float v) {
    bad(what + " needs " + field + " finite and > 0, but " + source + " has " + std::to_string(v) +
        " (bags record it; for images pass --intrinsics fx,fy,ppx,ppy" + (field == "baseline_mm" ? " and --baseline-mm" : "") + ")");
  };
  if (!finite_positive(f.depth_units)) need("depth", "depth_units", f.depth_units);
  if (stereo) {
    if (!finite_positive(f.intrinsics.fx)) need("the disparity transform (depth2disparity/disparity2depth)", "intrinsics.fx", in.fx);
    if (!finite_positive(f.baseline_mm))
      bad("the disparity transform (depth2disparity/disparity2depth) needs the stereo baseline, but " + source +
          " has none (baseline_mm = " + std::to_string(f.baseline_mm) + "; pass --baseline-mm for image inputs)");
  }
  if (cloud) {
    if (!finite_positive(in.fx)) need("output 'cloud'", "intrinsics.fx", in.fx);
    if (!finite_positive(in.fy)) need("output 'cloud'", "intrinsics.fy", in.fy);
    if (!std::isfinite(in.ppx) || !std::isfinite(in.ppy))
      bad("output 'cloud' needs a finite principal point, but " + source + " has ppx=" + std::to_string(in.ppx) +
          " ppy=" + std::to_string(in.ppy));
  }
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void ProcessRequest::validate() const {
  if (inputs.empty()) bad("--input needs at least one .bag, .pgm or .png file");
  if (out_dir.empty()) bad("--out must name a folder");
  if (chain.stages.empty()) bad("--chain must name at least one block");
  if (outputs.empty()) bad("--outputs must name at least one of depth, colorized, cloud");
  for (const auto& o : outputs)
    if (o != "depth" && o != "colorized" && o != "cloud")
      bad("--outputs: unknown output '" + o + "' (known: depth, colorized, cloud)");
  if (!(std::isfinite(depth_units) && depth_units > 0)) bad("--depth-units must be finite and > 0, got " + std::to_string(depth_units));
  if (!(std::isfinite(baseline_mm) && baseline_mm >= 0)) bad("--baseline-mm must be finite and >= 0, got " + std::to_string(baseline_mm));
  if (intrinsics) {
    const auto& in = *intrinsics;
    if (!finite_positive(in.fx) || !finite_positive(in.fy) || !std::isfinite(in.ppx) || !std::isfinite(in.ppy))
      bad("--intrinsics fx,fy must be finite and > 0 and ppx,ppy finite, got fx=" + std::to_string(in.fx) + " fy=" +
          std::to_string(in.fy) + " ppx=" + std::to_string(in.ppx) + " ppy=" + std::to_string(in.ppy));
  }
}

namespace {

// Depth frames in a bag (for the progress bar): one cheap pass over the chunks.
std::size_t count_depth_frames(std::string_view bytes, const std::string& name) {
  std::size_t n = 0;
  BagVisitor v;
  v.on_message = [&](const BagMessageView& m) {
    const std::string& t = m.connection->topic;
    const std::string suffix = "/image/data";
    if (t.find("/Depth_") != std::string::npos && t.size() > suffix.size() &&
        t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0)
      ++n;
  };
  scan_bag(bytes, name, v);
  return n;
}

}  // namespace

nlohmann::json run_process(const ProcessRequest& r, std::ostream& progress) {
  r.validate();
  auto wants = [&](const char* o) { return std::find(r.outputs.begin(), r.outputs.end(), o) != r.outputs.end(); };

  // Everything that can fail on bad input is checked before the first output is written; what
  // only a frame can tell (a truncated recording) fails into the staging folder, which is dropped.
  Pipeline pipeline(r.chain);
  OutputBlocks outs(r.chain, wants("colorized"), wants("cloud"));
  OutputStage stage;  // checks --out before the inputs are read
  const fs::path staging = stage.folder(r.out_dir, "--out");
  const bool is_bag = r.inputs.size() == 1 && lower_ext(r.inputs[0]) == ".bag";
  std::optional<MappedFile> bag;
  std::vector<Frame> images;
  std::size_t total = 0;
  std::string source;
  if (is_bag) {
    bag.emplace(r.inputs[0]);
    total = count_depth_frames(bag->bytes(), r.inputs[0]);
    source = "recording '" + r.inputs[0] + "'";
    if (total == 0) throw FormatError(r.inputs[0], "no Depth stream (/device_0/sensor_<s>/Depth_<i>/image/data) in the recording");
  } else {
    images = load_images(r);
    total = images.size();
    source = "input '" + r.inputs[0] + "'";
    check_camera(images[0], source, pipeline.needs_stereo(), wants("cloud"));
  }

  nlohmann::json frames = nlohmann::json::array();
  nlohmann::json recording_info;
  Progress bar("depth process", static_cast<long>(total), "frames", progress, -1, /*min_total=*/2);
  auto t_all = std::chrono::steady_clock::now();
  auto process_one = [&](const Frame& in, const Frame* colour) {
    std::size_t i = frames.size();
    char idx[16];
    std::snprintf(idx, sizeof idx, "%06zu", i);
    nlohmann::json fj = {{"index", i}, {"frame_number", in.frame_number}, {"timestamp_ms", in.timestamp_ms},
                         {"input_size", {in.width(), in.height()}}};
    auto t0 = std::chrono::steady_clock::now();
    Frame out = pipeline.process(in);
    mx::eval(out.data);
    fj["chain_ms"] = ms_since(t0);
    if (out.format != FrameFormat::z16)
      bad(std::string("the chain must end with Z16 depth, but its last block '") + pipeline.spec().stages.back().block +
          "' outputs " + to_string(out.format) + " (end a disparity chain with disparity2depth)");
    fj["output_size"] = {out.width(), out.height()};
    nlohmann::json files = nlohmann::json::array();
    if (wants("depth")) {
      std::string name = std::string("depth_") + idx + ".png";
      write_png((staging / name).string(), Image::from_array(out.data));
      files.push_back(name);
    }
    if (wants("colorized")) {
      t0 = std::chrono::steady_clock::now();
      mx::array rgb = outs.colorize(out);
      fj["colorize_ms"] = ms_since(t0);
      std::string name = std::string("colorized_") + idx + ".png";
      write_png((staging / name).string(), Image::from_array(rgb));
      files.push_back(name);
    }
    if (wants("cloud")) {
      t0 = std::chrono::steady_clock::now();
      CloudPoints pts = outs.cloud(out, colour);
      fj["pointcloud_ms"] = ms_since(t0);
      std::string name = std::string("cloud_") + idx + ".ply";
      write_ply((staging / name).string(), pts.xyz, pts.rgb);
      fj["points"] = pts.xyz.size() / 3;
      files.push_back(name);
    }
    fj["files"] = files;
    frames.push_back(fj);
    if (r.progress) bar.update(static_cast<long>(frames.size()));
  };
  if (is_bag) {
    bool textured = false;
    stream_recording(bag->bytes(), r.inputs[0], [&](const Frame& in, const Frame* colour, const Recording& meta) {
      if (frames.empty()) {
        check_camera(in, source, pipeline.needs_stereo(), wants("cloud"));
        recording_info = {{"device_info", meta.device_info}, {"depth_units", in.depth_units}, {"baseline_mm", in.baseline_mm}};
      }
      if (wants("cloud") && !textured && colour && meta.color_intrinsics && meta.depth_to_color) {
        outs.map_texture(*meta.color_intrinsics, *meta.depth_to_color);
        textured = true;
      }
      process_one(in, textured ? colour : nullptr);
    });
  } else {
    for (const auto& f : images) process_one(f, nullptr);
  }
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& [block, options] : pipeline.effective_options()) chain.push_back({{"block", block}, {"options", options}});
  nlohmann::json summary = {{"tool", "robomlx depth process"},
                            {"inputs", r.inputs},
                            {"device", r.device.empty() ? std::string("default") : r.device},
                            {"chain", chain},
                            {"outputs", r.outputs},
                            {"output_options", outs.effective_options()},
                            {"frame_count", frames.size()},
                            {"total_ms", ms_since(t_all)},
                            {"frames", frames}};
  if (is_bag) summary["recording"] = recording_info;
  write_file_atomically((staging / "summary.json").string(), summary.dump(2) + "\n");
  stage.commit();
  return summary;
}

}  // namespace robomlx::depth
