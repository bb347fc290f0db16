// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/golden.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/json_text.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/align.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/format_convert.h"
#include "robomlx/depth/golden_compare.h"
#include "robomlx/depth/depth_to_points.h"
#include "robomlx/depth/golden_internal.h"

namespace robomlx::depth {

namespace {

using json = nlohmann::json;

json load_case(const std::string& case_dir) {
  const std::string path = case_dir + "/case.json";
  json c = read_json_file(path);  // a NUL byte or trailing text is a parse error
  check_golden_case(c, path);
  return c;
}

const json& field(const json& j, const char* name, const std::string& file) {
  if (!j.contains(name)) throw FormatError(file, std::string("missing field '") + name + "'");
  return j.at(name);
}

// librealsense class spelling -> chain name.
std::string block_key(const std::string& block) {
  if (block == "chain") return "chain";
  if (block.rfind("rs2::decimation_filter", 0) == 0) return "decimation";
  if (block.rfind("rs2::spatial_filter", 0) == 0) return "spatial";
  if (block.rfind("rs2::temporal_filter", 0) == 0) return "temporal";
  if (block.rfind("rs2::hole_filling_filter", 0) == 0) return "hole_filling";
  if (block.rfind("rs2::threshold_filter", 0) == 0) return "threshold";
  if (block.rfind("rs2::colorizer", 0) == 0) return "colorizer";
  if (block.rfind("rs2::pointcloud", 0) == 0) return "pointcloud";
  if (block.rfind("rs2::align", 0) == 0) return "align";
  if (block.rfind("rs2::yuy_decoder", 0) == 0) return "yuy2";
  if (block.rfind("rs2::disparity_transform", 0) == 0) {
    return block.find("true") != std::string::npos ? "depth2disparity" : "disparity2depth";
  }
  return block;
}

// RS2_OPTION_FILTER_MAGNITUDE -> filter_magnitude.
std::string option_key(std::string name) {
  if (name.rfind("RS2_OPTION_", 0) == 0) name = name.substr(11);
  for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

Intrinsics parse_intrinsics(const json& j) {
  Intrinsics in;
  in.width = j.value("width", 0);
  in.height = j.value("height", 0);
  in.ppx = j.value("ppx", 0.0f);
  in.ppy = j.value("ppy", 0.0f);
  in.fx = j.value("fx", 0.0f);
  in.fy = j.value("fy", 0.0f);
  in.model = parse_distortion(j.value("model", std::string("none")));
  if (j.contains("coeffs")) {
    for (std::size_t i = 0; i < 5 && i < j["coeffs"].size(); ++i) in.coeffs[i] = j["coeffs"][i].get<float>();
  }
  return in;
}

Extrinsics parse_extrinsics(const json& j) {
  Extrinsics e;
  for (int i = 0; i < 9; ++i) e.rotation[i] = j.at("rotation_column_major")[i].get<float>();
  for (int i = 0; i < 3; ++i) e.translation[i] = j.at("translation_m")[i].get<float>();
  return e;
}

Frame load_frame(const json& entry, const json& c, const std::string& case_dir) {
  const std::string file = case_dir + "/" + field(entry, "file", case_dir + "/case.json").get<std::string>();
  const std::string kind = entry.value("kind", "");
  const int w = entry.value("width", 0), h = entry.value("height", 0);
  Frame f;
  if (kind == "z16") {
    f.format = FrameFormat::z16;
    f.data = read_pnm(file).to_array_2d();
  } else if (kind == "disparity32") {
    f.format = FrameFormat::disparity32;
    auto v = read_raw_f32(file, std::size_t(w) * h);
    f.data = mx::array(v.data(), {h, w}, mx::float32);
  } else if (kind == "rgb8") {
    f.format = FrameFormat::rgb8;
    f.data = read_pnm(file).to_array();
  } else if (kind == "yuyv") {
    f.format = FrameFormat::y8;  // raw bytes [H, 2W]; the converter reads them as YUY2
    f.data = read_pnm(file).to_array_2d();
  } else {
    throw FormatError(file, "unsupported input kind '" + kind + "'");
  }
  if (entry.contains("intrinsics")) f.intrinsics = parse_intrinsics(entry["intrinsics"]);
  f.depth_units = entry.value("depth_units", c.value("depth_units", 0.001f));
  f.baseline_mm = entry.value("stereo_baseline_mm", c.value("stereo_baseline_mm", 0.0f));
  f.frame_number = entry.value("frame_number", 0LL);
  return f;
}

std::unique_ptr<ProcessingBlock> make_configured(const std::string& key, const json& options) {
  if (!golden_block_available(key)) {
    throw std::runtime_error("block '" + key + "' not available in this build");
  }
  auto block = make_block(key);
  for (const auto& o : options) block->set_option(option_key(o.at("option")), o.at("value_set").get<float>());
  return block;
}

std::vector<json> ordered(const json& list) {
  std::vector<json> v(list.begin(), list.end());
  std::stable_sort(v.begin(), v.end(), [](const json& a, const json& b) {
    return a.value("sequence_index", 0) < b.value("sequence_index", 0);
  });
  return v;
}

const json& by_role(const json& list, const std::string& role, const std::string& file) {
  for (const auto& e : list) {
    if (e.value("role", "") == role) return e;
  }
  throw FormatError(file, "no entry with role '" + role + "'");
}

GoldenCaseResult run_case(const std::string& case_dir, const json& c, const std::string& key, mx::Stream s) {
  const std::string file = case_dir + "/case.json";
  const auto inputs = ordered(field(c, "inputs", file));
  const auto outputs = ordered(field(c, "outputs", file));
  OutcomeList results;

  if (key == "pointcloud") {
    Pointcloud pc;
    for (const auto& o : c.value("options_set_in_order", json::array())) {
      pc.set_option(option_key(o.at("option")), o.at("value_set").get<float>());
    }
    const auto depth = load_frame(by_role(c["inputs"], "depth", file), c, case_dir);
    const auto& tex = by_role(c["inputs"], "texture", file);
    pc.map_to(parse_intrinsics(c.contains("texture_intrinsics") ? c["texture_intrinsics"] : tex["intrinsics"]),
              parse_extrinsics(field(c, "extrinsics_depth_to_color", file)));
    auto r = pc.calculate(depth, s);
    results.add("vertices", compare_output(r.vertices, by_role(c["outputs"], "vertices", file), case_dir));
    results.add("texcoords", compare_output(r.texcoords, by_role(c["outputs"], "texture_coordinates", file), case_dir));
  } else if (key == "align") {
    const auto depth = load_frame(by_role(c["inputs"], "depth", file), c, case_dir);
    const auto color = load_frame(by_role(c["inputs"], "color", file), c, case_dir);
    const bool to_color = c.value("block", "").find("COLOR") != std::string::npos;
    Align align(to_color ? AlignTo::color : AlignTo::depth);
    auto out = align.process(depth, color, parse_extrinsics(field(c, "extrinsics_depth_to_color", file)), s);
    results.add("", compare_frame(out, outputs.at(0), case_dir));
  } else if (key == "yuy2") {
    const auto in = load_frame(inputs.at(0), c, case_dir);
    auto rgb = convert_yuv(in.data, PackedYuv::yuy2, FrameFormat::rgb8, s);
    results.add("", compare_output(rgb, outputs.at(0), case_dir));
  } else {
    std::vector<std::unique_ptr<ProcessingBlock>> stages;
    if (key == "chain") {
      for (const auto& s : field(c, "chain", file)) {
        stages.push_back(make_configured(block_key(s.at("block")), s.value("options_set_in_order", json::array())));
      }
    } else {
      stages.push_back(make_configured(key, c.value("options_set_in_order", json::array())));
    }
    if (outputs.size() != inputs.size()) throw FormatError(file, "inputs and outputs differ in count");
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      Frame f = load_frame(inputs[i], c, case_dir);
      for (auto& stage : stages) f = stage->process(f, s);
      mx::eval(f.data);  // keeps sequences from building one graph over all frames
      results.add(inputs.size() > 1 ? "frame " + std::to_string(i) : "", compare_frame(f, outputs[i], case_dir));
    }
  }
  GoldenCaseResult r;
  r.passed = results.ok();
  r.detail = results.detail();
  return r;
}

}  // namespace

bool golden_block_available(const std::string& key) {
  if (key == "pointcloud" || key == "align" || key == "yuy2" || key == "chain") return true;
  const auto names = block_names();
  return std::find(names.begin(), names.end(), key) != names.end();
}

std::string golden_case_block(const std::string& case_dir) {
  const json c = load_case(case_dir);
  const std::string key = block_key(field(c, "block", case_dir + "/case.json").get<std::string>());
  if (key != "chain") return key;
  for (const auto& s : field(c, "chain", case_dir + "/case.json")) {
    const std::string k = block_key(s.at("block"));
    if (!golden_block_available(k)) return k;
  }
  return key;
}

GoldenCaseResult run_depth_golden_case(const std::string& case_dir, mx::StreamOrDevice s) {
  const json c = load_case(case_dir);
  GoldenCaseResult r;
  r.name = c.value("case", case_dir);
  const std::string missing = golden_case_block(case_dir);
  if (!golden_block_available(missing)) {
    r.passed = false;
    r.detail = "block '" + missing + "' not available in this build";
    return r;
  }
  try {
    auto res = run_case(case_dir, c, block_key(c.at("block")), op_stream(s));
    res.name = r.name;
    return res;
  } catch (const json::exception& e) {  // a structure the schema does not cover: still the file's fault
    throw FormatError(case_dir + "/case.json", std::string("unexpected structure: ") + e.what());
  }
}

}  // namespace robomlx::depth
