// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/golden_compare.h"

#include <cmath>
#include <sstream>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/pnm.h"

namespace robomlx::depth {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

mx::array load_expected(const nlohmann::json& entry, const std::string& case_dir, const std::string& kind) {
  const std::string file = case_dir + "/" + entry.at("file").get<std::string>();
  if (kind == "z16") return read_pnm(file).to_array_2d();
  if (kind == "rgb8") return read_pnm(file).to_array();
  mx::Shape shape;
  if (entry.contains("shape")) {
    for (const auto& s : entry["shape"]) shape.push_back(s.get<int>());
  } else {
    shape = {entry.at("height").get<int>(), entry.at("width").get<int>()};
  }
  std::size_t count = 1;
  for (int s : shape) count *= std::size_t(s);
  auto v = read_raw_f32(file, count);
  return mx::array(v.data(), shape, mx::float32);
}

// "(y,x)" or "(y,x,c)" of a flat index.
std::string position(long long i, const mx::Shape& shape) {
  std::vector<long long> idx(shape.size());
  for (int d = int(shape.size()) - 1; d >= 0; --d) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  std::string s = "(";
  for (std::size_t d = 0; d < idx.size(); ++d) s += (d ? "," : "") + std::to_string(idx[d]);
  return s + ")";
}

Outcome compare_arrays(const mx::array& got_in, const mx::array& want, const std::string& kind) {
  if (got_in.shape() != want.shape()) {
    return {false, "shape " + shape_string(got_in.shape()) + ", want " + shape_string(want.shape())};
  }
  const bool exact = kind == "z16" || kind == "rgb8";
  auto got = mx::astype(got_in, exact ? mx::int32 : mx::float32, mx::Device::cpu);
  auto ref = mx::astype(want, exact ? mx::int32 : mx::float32, mx::Device::cpu);
  mx::eval(got, ref);
  const long long n = got.size();
  double rtol = 0, atol = 0;
  if (kind == "disparity32") rtol = 1e-6;
  if (kind == "xyz32f" || kind == "uv32f") atol = 1e-5;
  long long bad = 0, first = -1;
  double max_err = 0;
  const long long pixels = got.ndim() == 3 ? n / got.shape(2) : n;
  if (exact) {
    const int* a = got.data<int>();
    const int* b = ref.data<int>();
    for (long long i = 0; i < n; ++i) {
      if (a[i] != b[i]) {
        if (first < 0) first = i;
        ++bad;
      }
    }
    if (bad == 0) return {true, "exact, " + std::to_string(pixels) + " px"};
    return {false, std::to_string(bad) + " values differ, first at " + position(first, got.shape()) + ": got " +
                       std::to_string(a[first]) + " want " + std::to_string(b[first])};
  }
  const float* a = got.data<float>();
  const float* b = ref.data<float>();
  double worst_ratio = 0;
  for (long long i = 0; i < n; ++i) {
    const double err = std::fabs(double(a[i]) - double(b[i]));
    const double tol = atol + rtol * std::fabs(double(b[i]));
    const bool fail = !(err <= tol) && !(std::isnan(a[i]) && std::isnan(b[i]));
    if (fail) {
      if (first < 0) first = i;
      ++bad;
    }
    if (err > max_err) max_err = err;
    if (tol > 0 && err / tol > worst_ratio) worst_ratio = err / tol;
  }
  const std::string tol_text = rtol > 0 ? "rel " + num(rtol) : num(atol);
  if (bad == 0) return {true, "max err " + num(max_err) + " <= " + tol_text + ", " + std::to_string(pixels) + " px"};
  return {false, std::to_string(bad) + " values beyond " + tol_text + ", first at " + position(first, got.shape()) +
                     ": got " + num(a[first]) + " want " + num(b[first]) + " (max err " + num(max_err) + ")"};
}

}  // namespace

Outcome compare_output(const mx::array& got, const nlohmann::json& entry, const std::string& case_dir) {
  const std::string kind = entry.value("kind", "");
  return compare_arrays(got, load_expected(entry, case_dir, kind), kind);
}

Outcome compare_frame(const Frame& got, const nlohmann::json& entry, const std::string& case_dir) {
  Outcome o = compare_output(got.data, entry, case_dir);
  if (!o.ok || !entry.contains("intrinsics")) return o;
  const auto& in = entry["intrinsics"];
  const auto& g = got.intrinsics;
  auto mismatch = [&](const char* name, double have, double want) {
    if (have != want) {
      o.ok = false;
      o.detail += std::string("; intrinsics.") + name + " " + num(have) + ", want " + num(want);
    }
  };
  mismatch("width", g.width, in.value("width", 0));
  mismatch("height", g.height, in.value("height", 0));
  mismatch("fx", g.fx, in.value("fx", 0.0f));
  mismatch("fy", g.fy, in.value("fy", 0.0f));
  mismatch("ppx", g.ppx, in.value("ppx", 0.0f));
  mismatch("ppy", g.ppy, in.value("ppy", 0.0f));
  return o;
}

bool OutcomeList::ok() const {
  for (const auto& [label, o] : items_) {
    if (!o.ok) return false;
  }
  return true;
}

std::string OutcomeList::detail() const {
  // All good: the first line speaks for all (sequences show "8 frames").
  if (ok() && items_.size() > 1 && items_[0].first.rfind("frame", 0) == 0) {
    return items_[0].second.detail + " x " + std::to_string(items_.size()) + " frames";
  }
  std::string s;
  for (const auto& [label, o] : items_) {
    if (ok() || !o.ok) s += (s.empty() ? "" : "; ") + (label.empty() ? "" : label + ": ") + o.detail;
  }
  return s;
}

}  // namespace robomlx::depth
