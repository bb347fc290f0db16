// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/kserve_pipelines.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/depth/pipeline.h"
#include "robomlx/serve/kserve_splat.h"
#include "robomlx/stereo/sgm.h"

namespace robomlx::serve {

namespace {

[[noreturn]] void bad(const std::string& model, const std::string& what) {
  throw std::invalid_argument("[serve.kserve] " + model + ": " + what);
}

std::size_t element_size(const std::string& datatype) {
  if (datatype == "UINT8" || datatype == "INT8" || datatype == "BOOL") return 1;
  if (datatype == "UINT16" || datatype == "INT16" || datatype == "FP16") return 2;
  if (datatype == "UINT32" || datatype == "INT32" || datatype == "FP32") return 4;
  if (datatype == "UINT64" || datatype == "INT64" || datatype == "FP64") return 8;
  return 0;
}

const Tensor& input(const InferRequest& r, const std::string& name, std::initializer_list<const char*> datatypes) {
  for (const auto& t : r.inputs) {
    if (t.name != name) continue;
    bool ok = false;
    std::string allowed;
    for (const char* d : datatypes) {
      ok = ok || t.datatype == d;
      allowed += (allowed.empty() ? "" : " or ") + std::string(d);
    }
    if (!ok) bad(r.model, "input '" + name + "' must be " + allowed + ", got " + t.datatype);
    if (t.shape.size() != 2 || t.shape[0] < 1 || t.shape[1] < 1)
      bad(r.model, "input '" + name + "' must have shape [H, W] with H, W >= 1");
    return t;
  }
  bad(r.model, "missing input '" + name + "'");
}

mx::array to_array(const Tensor& t) {
  const mx::Shape shape = {static_cast<int>(t.shape[0]), static_cast<int>(t.shape[1])};
  if (t.datatype == "UINT16") {
    std::vector<std::uint16_t> v(t.bytes.size() / 2);
    std::memcpy(v.data(), t.bytes.data(), v.size() * 2);
    return mx::array(v.begin(), shape, mx::uint16);
  }
  if (t.datatype == "UINT8") return mx::array(reinterpret_cast<const std::uint8_t*>(t.bytes.data()), shape, mx::uint8);
  std::vector<float> v(t.bytes.size() / 4);
  std::memcpy(v.data(), t.bytes.data(), v.size() * 4);
  return mx::array(v.begin(), shape, mx::float32);
}

Tensor to_tensor(const std::string& name, mx::array a) {
  if (a.dtype() != mx::uint16 && a.dtype() != mx::float32) a = mx::astype(a, mx::float32);
  a = mx::contiguous(a);
  mx::eval(a);
  Tensor t{name, a.dtype() == mx::uint16 ? "UINT16" : "FP32", {}, {}};
  for (int d : a.shape()) t.shape.push_back(d);
  const char* p = a.dtype() == mx::uint16 ? reinterpret_cast<const char*>(a.data<std::uint16_t>())
                                          : reinterpret_cast<const char*>(a.data<float>());
  t.bytes.assign(p, a.nbytes());
  return t;
}

double number_param(const InferRequest& r, const std::string& key, std::optional<double> fallback) {
  auto it = r.parameters.find(key);
  if (it == r.parameters.end()) {
    if (!fallback) bad(r.model, "missing parameter '" + key + "'");
    return *fallback;
  }
  double v = 0;
  if (auto* i = std::get_if<std::int64_t>(&it->second)) v = static_cast<double>(*i);
  else if (auto* d = std::get_if<double>(&it->second)) v = *d;
  else bad(r.model, "parameter '" + key + "' must be a number");
  if (!std::isfinite(v)) bad(r.model, "parameter '" + key + "' must be finite");
  return v;
}

InferResult run_depth_chain(const InferRequest& r) {
  for (const auto& [key, v] : r.parameters)
    if (key != "fx" && key != "fy" && key != "ppx" && key != "ppy" && key != "depth_units" && key != "baseline_mm")
      bad(r.model, "unknown parameter '" + key + "' (fx, fy, ppx, ppy, depth_units, baseline_mm)");
  const Tensor& in = input(r, "depth", {"UINT16"});
  depth::Frame f;
  f.data = to_array(in);
  f.format = depth::FrameFormat::z16;
  const int h = static_cast<int>(in.shape[0]), w = static_cast<int>(in.shape[1]);
  f.intrinsics.width = w;
  f.intrinsics.height = h;
  f.intrinsics.fx = static_cast<float>(number_param(r, "fx", std::nullopt));
  f.intrinsics.fy = static_cast<float>(number_param(r, "fy", f.intrinsics.fx));
  f.intrinsics.ppx = static_cast<float>(number_param(r, "ppx", (w - 1) / 2.0));
  f.intrinsics.ppy = static_cast<float>(number_param(r, "ppy", (h - 1) / 2.0));
  f.depth_units = static_cast<float>(number_param(r, "depth_units", 0.001));
  f.baseline_mm = static_cast<float>(number_param(r, "baseline_mm", std::nullopt));
  depth::Pipeline pipeline(depth::ChainSpec::standard());
  const depth::Frame out = pipeline.process(f);
  return {r.model, r.id, {to_tensor("depth", out.data)}};
}

void set_sgm_option(stereo::SgmOptions& o, const InferRequest& r, const std::string& key, const ParamValue& v) {
  auto integer = [&] {
    const double d = number_param(r, key, std::nullopt);
    if (d != std::floor(d) || std::fabs(d) > 1e6) bad(r.model, "parameter '" + key + "' must be an integer");
    return static_cast<int>(d);
  };
  if (key == "cost") {
    if (!std::holds_alternative<std::string>(v)) bad(r.model, "parameter 'cost' must be a string");
    o.cost = std::get<std::string>(v);
  } else if (key == "subpixel") {
    if (!std::holds_alternative<bool>(v)) bad(r.model, "parameter 'subpixel' must be a boolean");
    o.subpixel = std::get<bool>(v);
  } else if (key == "p1") o.p1 = static_cast<float>(number_param(r, key, std::nullopt));
  else if (key == "p2") o.p2 = static_cast<float>(number_param(r, key, std::nullopt));
  else if (key == "uniqueness_ratio") o.uniqueness_ratio = static_cast<float>(number_param(r, key, std::nullopt));
  else if (key == "min_disparity") o.min_disparity = integer();
  else if (key == "num_disparities") o.num_disparities = integer();
  else if (key == "census_width") o.census_width = integer();
  else if (key == "census_height") o.census_height = integer();
  else if (key == "paths") o.paths = integer();
  else if (key == "lr_max_diff") o.lr_max_diff = integer();
  else if (key == "median_size") o.median_size = integer();
  else if (key == "speckle_window") o.speckle_window = integer();
  else if (key == "speckle_range") o.speckle_range = integer();
  else if (key == "pyramid_factor") o.pyramid_factor = integer();
  else if (key == "refinement_radius") o.refinement_radius = integer();
  else bad(r.model, "unknown parameter '" + key + "' (the fields of stereo::SgmOptions)");
}

InferResult run_sgm(const InferRequest& r) {
  stereo::SgmOptions o;
  for (const auto& [key, v] : r.parameters) set_sgm_option(o, r, key, v);
  const Tensor& left = input(r, "left", {"UINT8", "FP32"});
  const Tensor& right = input(r, "right", {"UINT8", "FP32"});
  if (left.shape != right.shape || left.datatype != right.datatype)
    bad(r.model, "inputs 'left' and 'right' must have the same shape and datatype");
  const stereo::DisparityResult d = stereo::compute_disparity(to_array(left), to_array(right), o);
  return {r.model, r.id, {to_tensor("disparity", d.disparity), to_tensor("confidence", d.confidence)}};
}

}  // namespace

std::vector<PipelineSpec> pipeline_specs() {
  std::vector<PipelineSpec> specs = {
      {"depth.standard_chain", "librealsense post-processing chain (decimation .. hole_filling) on one Z16 frame",
       {{"depth", "UINT16", {-1, -1}}},
       {{"depth", "UINT16", {-1, -1}}}},
      {"stereo.sgm", "semi-global matching on rectified grey images",
       {{"left", "UINT8", {-1, -1}}, {"right", "UINT8", {-1, -1}}},
       {{"disparity", "FP32", {-1, -1}}, {"confidence", "FP32", {-1, -1}}}},
  };
  for (auto& scene : splat_scene_specs()) specs.push_back(std::move(scene));
  return specs;
}

std::optional<PipelineSpec> find_pipeline(const std::string& name) {
  for (auto& s : pipeline_specs())
    if (s.name == name) return std::move(s);
  return std::nullopt;
}

InferResult run_pipeline(const InferRequest& request) {
  for (const auto& t : request.inputs) {
    std::size_t n = element_size(t.datatype);
    for (auto d : t.shape) n *= static_cast<std::size_t>(d);
    if (n != t.bytes.size())
      bad(request.model, "input '" + t.name + "' holds " + std::to_string(t.bytes.size()) + " bytes, its shape and " +
                             t.datatype + " need " + std::to_string(n));
  }
  InferResult out;
  if (request.model == "depth.standard_chain") out = run_depth_chain(request);
  else if (request.model == "stereo.sgm") out = run_sgm(request);
  else if (is_splat_scene(request.model)) out = run_splat_render(request);
  else bad(request.model, "no such pipeline");
  if (!request.outputs.empty()) {
    std::vector<Tensor> kept;
    for (const auto& name : request.outputs) {
      bool found = false;
      for (auto& t : out.outputs)
        if (t.name == name) kept.push_back(t), found = true;
      if (!found) bad(request.model, "unknown output '" + name + "'");
    }
    out.outputs = std::move(kept);
  }
  return out;
}

InferRequest example_request(const std::string& name, int height, int width) {
  if (is_splat_scene(name)) return splat_example_request(name, height, width);
  InferRequest r;
  r.model = name;
  const std::size_t n = static_cast<std::size_t>(height) * width;
  if (name == "depth.standard_chain") {
    std::vector<std::uint16_t> z(n);
    for (std::size_t i = 0; i < n; ++i) z[i] = static_cast<std::uint16_t>(i % 7 == 0 ? 0 : 800 + (i * 37) % 400);
    r.inputs.push_back({"depth", "UINT16", {height, width}, std::string(reinterpret_cast<const char*>(z.data()), n * 2)});
    r.parameters = {{"fx", 390.0}, {"baseline_mm", 50.0}};
  } else {
    std::string left(n, '\0'), right(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
      left[i] = static_cast<char>((i * 131 + i / width * 17) % 251);
      right[i] = left[(i % width) + 4 < static_cast<std::size_t>(width) ? i + 4 : i];
    }
    r.inputs.push_back({"left", "UINT8", {height, width}, left});
    r.inputs.push_back({"right", "UINT8", {height, width}, right});
    r.parameters = {{"num_disparities", std::int64_t(16)}};
  }
  return r;
}

}  // namespace robomlx::serve
