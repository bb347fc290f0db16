// SPDX-License-Identifier: Apache-2.0
// The 3DGS layout on top of core's generic PLY reader/writer: name checks, the f_rest transpose
// (channel-major in the file, coefficient-major in memory) and the non-finite rule.
#include "robomlx/splat/gaussian_ply.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/splat/splat_error_internal.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.ply";
const char* const kLayout =
    "the 3DGS layout needs x y z f_dc_0..2 opacity scale_0..2 rot_0..3 and 0, 9, 24 or 45 f_rest_*";

// f_rest_<i> with i a plain decimal number; -1 for any other name.
int f_rest_index(const std::string& name) {
  if (name.rfind("f_rest_", 0) != 0) return -1;
  const char* b = name.data() + 7;
  const char* e = name.data() + name.size();
  int i = -1;
  auto r = std::from_chars(b, e, i);
  if (r.ec != std::errc() || r.ptr != e || b == e || (*b == '0' && e - b > 1)) return -2;  // not a clean index
  return i;
}

// The f_rest names in index order; checks the count gives an SH degree and the indices are 0..K-1.
std::vector<std::string> f_rest_names(const PlyData& ply, const std::string& file, int& degree) {
  std::vector<int> idx;
  for (const auto& p : ply.properties) {
    const int i = f_rest_index(p.name);
    if (i == -2) detail::fail_format(kTag, file, "property '" + p.name + "' is not f_rest_<index>");
    if (i >= 0) idx.push_back(i);
  }
  std::sort(idx.begin(), idx.end());
  const std::size_t k = idx.size();
  degree = k == 0 ? 0 : k == 9 ? 1 : k == 24 ? 2 : k == 45 ? 3 : -1;
  if (degree < 0) {
    detail::fail_format(kTag, file, "has " + std::to_string(k) +
                                        " f_rest_* properties; spherical-harmonic degree 0, 1, 2 or 3 needs 0, 9, "
                                        "24 or 45");
  }
  std::vector<std::string> names;
  for (std::size_t j = 0; j < k; ++j) {
    if (idx[j] != int(j)) {
      detail::fail_format(kTag, file, "missing vertex property 'f_rest_" + std::to_string(j) + "' (has " +
                                          std::to_string(k) + " f_rest_* properties, which must be f_rest_0..f_rest_" +
                                          std::to_string(k - 1) + ")");
    }
    names.push_back("f_rest_" + std::to_string(j));
  }
  return names;
}

// One float32 column; float64 values beyond float32 become infinities (and are then rejected).
std::vector<float> float_column(const PlyData& ply, const std::string& name, const std::string& file) {
  const PlyProperty* p = ply.find(name);
  if (!p) {
    const bool point_cloud = ply.has("x") && !ply.has("f_dc_0") && !ply.has("opacity") && !ply.has("scale_0");
    if (point_cloud) {
      detail::fail_format(kTag, file, "is a plain point cloud (no f_dc_0, opacity, scale_0), not a 3D Gaussian-"
                                      "splatting scene; read SfM points with read_sfm_points_ply");
    }
    detail::fail_format(kTag, file, "missing vertex property '" + name + "' (" + kLayout + ")");
  }
  std::vector<float> out(ply.count);
  if (p->type == PlyType::Float32) {
    if (!out.empty()) std::memcpy(out.data(), p->bytes.data(), out.size() * sizeof(float));  // empty: data() may be null
  } else if (p->type == PlyType::Float64) {
    for (std::size_t i = 0; i < ply.count; ++i) {
      double v = 0;
      std::memcpy(&v, p->bytes.data() + i * 8, 8);
      out[i] = static_cast<float>(v);  // out of range -> inf (IEEE), caught below
    }
  } else {
    detail::fail_format(kTag, file, "vertex property '" + name + "' must be float or double, got " +
                                        ply_type_name(p->type));
  }
  for (std::size_t i = 0; i < ply.count; ++i) {
    if (!std::isfinite(out[i])) {
      detail::fail_format(kTag, file, "vertex " + std::to_string(i) + " of " + std::to_string(ply.count) +
                                          ": property '" + name + "' is " + number_text(out[i]));
    }
  }
  return out;
}

// [N, k] float32 array of the named columns.
mx::array table(const PlyData& ply, const std::vector<std::string>& names, const std::string& file) {
  const std::size_t n = ply.count, k = names.size();
  std::vector<float> out(n * k);
  for (std::size_t j = 0; j < k; ++j) {
    auto col = float_column(ply, names[j], file);
    for (std::size_t i = 0; i < n; ++i) out[i * k + j] = col[i];
  }
  return mx::array(out.data(), mx::Shape{int(n), int(k)}, mx::float32);
}

}  // namespace

GaussianScene gaussian_scene_from_ply(const PlyData& ply, const std::string& file) {
  int degree = 0;
  // Named columns first so a plain point cloud is reported as such before f_rest is looked at.
  GaussianScene scene;
  scene.means = table(ply, {"x", "y", "z"}, file);
  mx::array dc = table(ply, {"f_dc_0", "f_dc_1", "f_dc_2"}, file);
  scene.opacity_logits = table(ply, {"opacity"}, file);
  scene.log_scales = table(ply, {"scale_0", "scale_1", "scale_2"}, file);
  scene.rotations = table(ply, {"rot_0", "rot_1", "rot_2", "rot_3"}, file);
  const auto rest_names = f_rest_names(ply, file, degree);
  const int n = int(ply.count), m = sh_coefficient_count(degree);
  scene.sh_degree = degree;
  if (m == 1) {
    scene.sh = mx::reshape(dc, {n, 1, 3});
  } else {
    // [N, 3*(M-1)] channel-major -> [N, 3, M-1] -> [N, M-1, 3] coefficient-major.
    auto rest = mx::transpose(mx::reshape(table(ply, rest_names, file), {n, 3, m - 1}), {0, 2, 1});
    scene.sh = mx::contiguous(mx::concatenate({mx::reshape(dc, {n, 1, 3}), rest}, 1));
  }
  mx::eval(scene.means, scene.opacity_logits, scene.log_scales, scene.rotations, scene.sh);
  return scene;
}

GaussianScene read_gaussian_ply(const std::string& path) {
  const PlyData ply = detail::with_tag(kTag, [&] { return read_ply(path); });
  return gaussian_scene_from_ply(ply, path);
}

PlyData gaussian_scene_to_ply(const GaussianScene& scene) {
  scene.validate();
  const int n = scene.size(), m = sh_coefficient_count(scene.sh_degree);
  // Columns in the standard order, each an [N] float32 host vector.
  std::vector<std::pair<std::string, mx::array>> cols;
  auto add = [&](const std::string& base, const mx::array& a, int k) {
    for (int j = 0; j < k; ++j) cols.emplace_back(base + std::to_string(j), mx::slice(a, {0, j}, {n, j + 1}));
  };
  cols.emplace_back("x", mx::slice(scene.means, {0, 0}, {n, 1}));
  cols.emplace_back("y", mx::slice(scene.means, {0, 1}, {n, 2}));
  cols.emplace_back("z", mx::slice(scene.means, {0, 2}, {n, 3}));
  const auto zeros = mx::zeros({n, 1}, mx::float32);
  cols.emplace_back("nx", zeros);
  cols.emplace_back("ny", zeros);
  cols.emplace_back("nz", zeros);
  add("f_dc_", mx::reshape(mx::slice(scene.sh, {0, 0, 0}, {n, 1, 3}), {n, 3}), 3);
  // coefficient-major [N, M-1, 3] -> channel-major [N, 3*(M-1)].
  auto rest = mx::reshape(mx::transpose(mx::slice(scene.sh, {0, 1, 0}, {n, m, 3}), {0, 2, 1}), {n, 3 * (m - 1)});
  add("f_rest_", rest, 3 * (m - 1));
  cols.emplace_back("opacity", scene.opacity_logits);
  add("scale_", scene.log_scales, 3);
  add("rot_", scene.rotations, 4);

  PlyData ply;
  ply.count = std::size_t(n);
  for (auto& [name, a] : cols) {
    auto c = mx::contiguous(mx::reshape(a, {n}), false, mx::Device::cpu);
    mx::eval(c);
    const float* v = c.data<float>();
    for (int i = 0; i < n; ++i) {
      if (!std::isfinite(v[i])) {
        fail_argument(kTag, "scene value of Gaussian " + std::to_string(i) + " for property '" + name +
                                "' must be finite, got " + number_text(v[i]));
      }
    }
    PlyProperty p{name, PlyType::Float32, {}};
    p.bytes.resize(std::size_t(n) * sizeof(float));
    if (n > 0) std::memcpy(p.bytes.data(), v, p.bytes.size());
    ply.properties.push_back(std::move(p));
  }
  return ply;
}

void write_gaussian_ply(const std::string& path, const GaussianScene& scene, PlyFormat format) {
  write_ply(path, gaussian_scene_to_ply(scene), format);
}

}  // namespace robomlx::splat
