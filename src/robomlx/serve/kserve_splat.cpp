// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/kserve_splat.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/rasterize.h"
#include "robomlx/splat/render_view.h"

namespace robomlx::serve {

namespace {

struct Scene {
  std::string model;
  std::string path;
  splat::GaussianScene gaussians;
};

// Registered before the server starts, read by the HTTP threads (specs) and the inference thread.
std::mutex scenes_mutex;
std::vector<std::shared_ptr<const Scene>> scenes;

std::shared_ptr<const Scene> find_scene(const std::string& model) {
  std::lock_guard lock(scenes_mutex);
  for (const auto& s : scenes)
    if (s->model == model) return s;
  return nullptr;
}

[[noreturn]] void bad(const std::string& model, const std::string& what) {
  throw std::invalid_argument("[serve.kserve] " + model + ": " + what);
}

std::vector<float> float_input(const InferRequest& r, const std::string& name, const std::vector<std::int64_t>& shape) {
  for (const auto& t : r.inputs) {
    if (t.name != name) continue;
    if (t.datatype != "FP32") bad(r.model, "input '" + name + "' must be FP32, got " + t.datatype);
    if (t.shape != shape) {
      std::string want;
      for (auto d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      bad(r.model, "input '" + name + "' must have shape [" + want + "]");
    }
    std::vector<float> v(t.bytes.size() / 4);
    std::memcpy(v.data(), t.bytes.data(), v.size() * 4);
    for (float x : v)
      if (!std::isfinite(x)) bad(r.model, "input '" + name + "' holds a value that is not finite");
    return v;
  }
  bad(r.model, "missing input '" + name + "'");
}

double number(const InferRequest& r, const std::string& key, std::optional<double> fallback) {
  auto it = r.parameters.find(key);
  if (it == r.parameters.end()) {
    if (!fallback) bad(r.model, "missing parameter '" + key + "'");
    return *fallback;
  }
  if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&it->second); d && std::isfinite(*d)) return *d;
  bad(r.model, "parameter '" + key + "' must be a finite number");
}

int integer(const InferRequest& r, const std::string& key, std::optional<int> fallback, int lo, int hi) {
  const double d = number(r, key, fallback ? std::optional<double>(*fallback) : std::nullopt);
  if (d != std::floor(d) || d < lo || d > hi)
    bad(r.model, "parameter '" + key + "' must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(d);
}

std::array<float, 3> background(const InferRequest& r) {
  auto it = r.parameters.find("background");
  if (it == r.parameters.end()) return {0, 0, 0};
  std::array<float, 3> bg{};
  if (auto* text = std::get_if<std::string>(&it->second)) {
    std::istringstream in(*text);
    char c1 = 0, c2 = 0;
    if (!(in >> bg[0] >> c1 >> bg[1] >> c2 >> bg[2]) || c1 != ',' || c2 != ',' || !(in >> std::ws).eof())
      bad(r.model, "parameter 'background' must be \"r,g,b\" or one number, got '" + *text + "'");
  } else {
    const float g = static_cast<float>(number(r, "background", std::nullopt));
    bg = {g, g, g};
  }
  for (float v : bg)
    if (!(v >= 0 && v <= 1)) bad(r.model, "parameter 'background' must be in [0, 1]");
  return bg;
}

Tensor plane(const std::string& name, mx::array a) {
  a = mx::contiguous(mx::astype(a, mx::float32));
  mx::eval(a);
  Tensor t{name, "FP32", {}, {}};
  for (int d : a.shape()) t.shape.push_back(d);
  t.bytes.assign(reinterpret_cast<const char*>(a.data<float>()), a.nbytes());
  return t;
}

}  // namespace

std::string add_splat_scene(const std::string& ply_path) {
  std::string stem = std::filesystem::path(ply_path).stem().string();
  std::transform(stem.begin(), stem.end(), stem.begin(), [](unsigned char c) { return std::tolower(c); });
  auto scene = std::make_shared<Scene>();
  scene->model = "splat.render." + stem;
  scene->path = ply_path;
  try {
    scene->gaussians = splat::read_gaussian_ply(ply_path);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("[serve] --splat-scene: ") + e.what());
  }
  std::lock_guard lock(scenes_mutex);
  for (const auto& s : scenes)
    if (s->model == scene->model)
      throw std::invalid_argument("[serve] --splat-scene: " + ply_path + " and " + s->path + " are both '" + s->model + "'");
  scenes.push_back(std::move(scene));
  return scenes.back()->model;
}

void clear_splat_scenes() {
  std::lock_guard lock(scenes_mutex);
  scenes.clear();
}

std::vector<PipelineSpec> splat_scene_specs() {
  std::lock_guard lock(scenes_mutex);
  std::vector<PipelineSpec> out;
  for (const auto& s : scenes)
    out.push_back({s->model,
                   "3D Gaussian Splatting render of " + std::filesystem::path(s->path).filename().string() + " (" +
                       std::to_string(s->gaussians.size()) + " Gaussians, SH degree " +
                       std::to_string(s->gaussians.sh_degree) + ")",
                   {{"viewmat", "FP32", {4, 4}}, {"intrinsics", "FP32", {4}}},
                   {{"color", "FP32", {3, -1, -1}}, {"alpha", "FP32", {-1, -1}}, {"inverse_depth", "FP32", {-1, -1}}}});
  return out;
}

bool is_splat_scene(const std::string& model) { return find_scene(model) != nullptr; }

InferResult run_splat_render(const InferRequest& r) {
  const auto scene = find_scene(r.model);
  if (!scene) bad(r.model, "no such scene");
  for (const auto& [key, v] : r.parameters)
    if (key != "width" && key != "height" && key != "sh_degree" && key != "scale_modifier" && key != "background")
      bad(r.model, "unknown parameter '" + key + "' (width, height, sh_degree, scale_modifier, background)");
  const auto view = float_input(r, "viewmat", {4, 4});
  const auto K = float_input(r, "intrinsics", {4});
  if (view[12] != 0 || view[13] != 0 || view[14] != 0 || view[15] != 1)
    bad(r.model, "input 'viewmat' must end with the row 0 0 0 1");
  splat::RasterSettings settings;
  auto& c = settings.camera;
  c.width = integer(r, "width", std::nullopt, 1, 4096);
  c.height = integer(r, "height", std::nullopt, 1, 4096);
  c.fx = K[0], c.fy = K[1], c.cx = K[2], c.cy = K[3];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) c.rotation[i * 3 + j] = view[i * 4 + j];
    c.translation[i] = view[i * 4 + 3];
  }
  c.sh_degree = integer(r, "sh_degree", scene->gaussians.sh_degree, 0, scene->gaussians.sh_degree);
  c.scale_modifier = static_cast<float>(number(r, "scale_modifier", 1.0));
  settings.background = background(r);
  try {
    c.validate();
  } catch (const std::invalid_argument& e) {
    bad(r.model, e.what());
  }
  const auto out = splat::rasterize(splat::scene_raster_inputs(scene->gaussians), settings);
  return {r.model, r.id,
          {plane("color", out.color), plane("alpha", mx::squeeze(out.alpha, 0)),
           plane("inverse_depth", mx::squeeze(out.inv_depth, 0))}};
}

InferRequest splat_example_request(const std::string& model, int height, int width) {
  const auto scene = find_scene(model);
  if (!scene) bad(model, "no such scene");
  InferRequest r;
  r.model = model;
  // Look along +z at the centroid from 4 units before it: R = I, t = -(centroid - 4 z).
  auto centroid = mx::mean(scene->gaussians.means, 0);
  mx::eval(centroid);
  const float* m = centroid.data<float>();
  const float view[16] = {1, 0, 0, -m[0], 0, 1, 0, -m[1], 0, 0, 1, 4.0f - m[2], 0, 0, 0, 1};
  const float K[4] = {0.8f * width, 0.8f * width, width / 2.0f, height / 2.0f};
  r.inputs.push_back({"viewmat", "FP32", {4, 4}, std::string(reinterpret_cast<const char*>(view), sizeof view)});
  r.inputs.push_back({"intrinsics", "FP32", {4}, std::string(reinterpret_cast<const char*>(K), sizeof K)});
  r.parameters = {{"width", std::int64_t(width)}, {"height", std::int64_t(height)}};
  return r;
}

}  // namespace robomlx::serve
