// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/pipeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/json_text.h"

namespace robomlx::depth {

namespace {

const char* kTag = "[depth.pipeline] ";

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

float parse_value(const std::string& text, const std::string& what) {
  std::string t = trim(text);
  float v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v))
    throw std::invalid_argument(std::string(kTag) + what + " must be a finite number, got '" + text + "'");
  return v;
}

void set_in(OptionList& list, const std::string& option, float value) {
  for (auto& [name, v] : list)
    if (name == option) {
      v = value;
      return;
    }
  list.emplace_back(option, value);
}

}  // namespace

ChainSpec ChainSpec::standard() {
  ChainSpec s;
  for (const char* b : {"decimation", "depth2disparity", "spatial", "temporal", "disparity2depth", "hole_filling"})
    s.stages.push_back({b, {}});
  return s;
}

ChainSpec parse_chain(const std::string& csv) {
  if (trim(csv) == "standard") return ChainSpec::standard();
  if (trim(csv).empty())
    throw std::invalid_argument(std::string(kTag) + "--chain is empty: give block names separated by commas "
                                "(e.g. decimation,spatial) or 'standard'");
  ChainSpec spec;
  std::size_t start = 0;
  while (start <= csv.size()) {
    auto end = csv.find(',', start);
    if (end == std::string::npos) end = csv.size();
    std::string name = trim(csv.substr(start, end - start));
    if (name.empty())
      throw std::invalid_argument(std::string(kTag) + "--chain has an empty block name in '" + csv +
                                  "' (expected names separated by commas, e.g. decimation,spatial)");
    spec.stages.push_back({name, {}});
    start = end + 1;
  }
  return spec;
}

void apply_setting(ChainSpec& spec, const std::string& assignment) {
  auto eq = assignment.find('=');
  auto dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 || dot + 1 == eq)
    throw std::invalid_argument(std::string(kTag) + "--set must look like block.option=value (e.g. "
                                "spatial.filter_smooth_alpha=0.4), got '" + assignment + "'");
  std::string block = trim(assignment.substr(0, dot));
  std::string option = trim(assignment.substr(dot + 1, eq - dot - 1));
  float value = parse_value(assignment.substr(eq + 1), "--set " + block + "." + option + " value");
  if (block == "colorizer") return set_in(spec.colorizer, option, value);
  if (block == "pointcloud") return set_in(spec.pointcloud, option, value);
  bool found = false;
  for (auto& st : spec.stages)
    if (st.block == block) set_in(st.options, option, value), found = true;
  if (!found) {
    std::string names;
    for (const auto& st : spec.stages) names += st.block + ", ";
    throw std::invalid_argument(std::string(kTag) + "--set " + block + "." + option + ": block '" + block +
                                "' is not in the chain (chain: " + names + "outputs: colorizer, pointcloud)");
  }
}

ChainSpec load_preset(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FormatError(path, "is a folder, expected a JSON preset file");
  const nlohmann::json j = read_json_file(path);  // a NUL byte or trailing text is a parse error
  if (!j.is_object()) throw FormatError(path, "a preset must be a JSON object with a \"chain\" field");
  auto options = [&](const nlohmann::json& o, const std::string& field) {
    if (!o.is_object()) throw FormatError(path, "field '" + field + "' must be an object of option: number");
    OptionList list;
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!it.value().is_number())
        throw FormatError(path, "field '" + field + "." + it.key() + "' must be a number, got " + it.value().dump());
      float v = it.value().get<float>();
      if (!std::isfinite(v)) throw FormatError(path, "field '" + field + "." + it.key() + "' must be finite");
      list.emplace_back(it.key(), v);
    }
    return list;
  };
  ChainSpec spec;
  if (!j.contains("chain")) throw FormatError(path, "field 'chain' is missing");
  const auto& chain = j["chain"];
  if (chain.is_string()) {
    try {
      spec = parse_chain(chain.get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw FormatError(path, std::string("field 'chain': ") + e.what());
    }
  } else if (chain.is_array()) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
      std::string field = "chain[" + std::to_string(i) + "]";
      const auto& st = chain[i];
      if (st.is_string()) {
        spec.stages.push_back({st.get<std::string>(), {}});
      } else if (st.is_object() && st.contains("block") && st["block"].is_string()) {
        StageSpec s{st["block"].get<std::string>(), {}};
        if (st.contains("options")) s.options = options(st["options"], field + ".options");
        spec.stages.push_back(s);
      } else {
        throw FormatError(path, "field '" + field + "' must be a block name or {\"block\": name, \"options\": {...}}");
      }
    }
  } else {
    throw FormatError(path, "field 'chain' must be a string or an array");
  }
  // A block name the build does not know is a fault of the file (exit 3), not of the command line.
  const auto known = block_names();
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    if (std::find(known.begin(), known.end(), spec.stages[i].block) != known.end()) continue;
    std::string names;
    for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
    throw FormatError(path, "field 'chain[" + std::to_string(i) + "]': unknown block '" + spec.stages[i].block +
                                "' (known: " + names + ")");
  }
  if (j.contains("colorizer")) spec.colorizer = options(j["colorizer"], "colorizer");
  if (j.contains("pointcloud")) spec.pointcloud = options(j["pointcloud"], "pointcloud");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "chain" && it.key() != "colorizer" && it.key() != "pointcloud")
      throw FormatError(path, "unknown field '" + it.key() + "' (known: chain, colorizer, pointcloud)");
  return spec;
}

Pipeline::Pipeline(const ChainSpec& spec) : spec_(spec) {
  for (const auto& st : spec_.stages) {
    auto b = make_block(st.block);
    for (const auto& [option, value] : st.options) b->set_option(option, value);
    blocks_.push_back(std::move(b));
  }
}

Frame Pipeline::process(const Frame& in, mx::StreamOrDevice s) {
  const mx::Stream stream = op_stream(s);
  Frame f = in;
  for (auto& b : blocks_) f = b->process(f, stream);
  return f;
}

void Pipeline::reset() {
  for (auto& b : blocks_) b->reset();
}

std::vector<std::pair<std::string, std::map<std::string, float>>> Pipeline::effective_options() const {
  std::vector<std::pair<std::string, std::map<std::string, float>>> out;
  for (const auto& b : blocks_) {
    std::map<std::string, float> values;
    for (const auto& [name, range] : b->options()) values[name] = b->get_option(name);
    out.emplace_back(b->name(), values);
  }
  return out;
}

bool Pipeline::needs_stereo() const {
  for (const auto& st : spec_.stages)
    if (st.block == "depth2disparity" || st.block == "disparity2depth") return true;
  return false;
}

}  // namespace robomlx::depth
