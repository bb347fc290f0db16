// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/vision_golden.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/vision/vision_checkpoint_internal.h"
#include "robomlx/vision/vision_golden_internal.h"

namespace robomlx::vision {

namespace detail {

namespace {
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}
bool same_shape(const mx::array& a, const mx::array& e, VisionCheck& c) {
  if (a.shape() == e.shape()) return true;
  c.ok = false;
  c.detail = "shape " + shape_text(a.shape()) + ", expected " + shape_text(e.shape());
  return false;
}
}  // namespace

std::vector<double> host_values(const mx::array& a) {
  mx::array f = mx::astype(a, mx::float32, mx::Device::cpu);
  f = mx::contiguous(f, false, mx::Device::cpu);
  mx::eval(f);
  const float* p = f.data<float>();
  return std::vector<double>(p, p + f.size());
}

VisionCheck check_failed(const std::string& name, const std::string& why) { return {name, false, 0, 0, why}; }

VisionCheck check_exact(const std::string& name, const mx::array& actual, const mx::array& expected) {
  VisionCheck c{name, true, 0, 0, ""};
  if (!same_shape(actual, expected, c)) return c;
  const auto a = host_values(actual), e = host_values(expected);
  long long bad = 0, first = -1;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != e[i]) ++bad, first = first < 0 ? (long long)i : first;
  c.ok = bad == 0, c.error = double(bad);
  c.detail = bad ? std::to_string(bad) + " differ, first at flat index " + std::to_string(first) : "exact";
  return c;
}

VisionCheck check_preprocessing(const std::string& name, const mx::array& actual, const mx::array& expected) {
  VisionCheck c{name, true, 0, 0.05, ""};
  if (!same_shape(actual, expected, c)) return c;
  const auto a = host_values(actual), e = host_values(expected);
  double worst = 0, sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i])), sum += std::abs(a[i] - e[i]);
  const double mean = a.empty() ? 0 : sum / double(a.size());
  c.ok = worst <= 0.05 && mean <= 0.005, c.error = worst;
  c.detail = "max " + num(worst) + " (<= 0.05), mean " + num(mean) + " (<= 0.005)";
  return c;
}

VisionCheck check_embedding(const std::string& name, const mx::array& actual, const mx::array& expected) {
  VisionCheck c{name, true, 0, 0, ""};
  if (!same_shape(actual, expected, c)) return c;
  const auto a = host_values(actual), e = host_values(expected);
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i])), scale = std::max(scale, std::abs(e[i]));
  c.tolerance = 1e-4 * scale, c.error = worst, c.ok = worst <= c.tolerance;
  c.detail = "max " + num(worst) + " (<= " + num(c.tolerance) + ")";
  return c;
}

VisionCheck check_hidden(const std::string& name, const mx::array& actual, const mx::array& expected,
                         const std::optional<std::vector<double>>& valid) {
  VisionCheck c{name, true, 0, 1.0, ""};
  if (!same_shape(actual, expected, c)) return c;
  const auto a = host_values(actual), e = host_values(expected);
  const std::size_t inner = valid && !valid->empty() ? a.size() / valid->size() : 1;
  long long bad = 0;
  double ratio = 0, worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (valid && (*valid)[(i / inner) % valid->size()] == 0) continue;
    const double d = std::abs(a[i] - e[i]), tol = 1e-3 + 1e-4 * std::abs(e[i]);
    worst = std::max(worst, d), ratio = std::max(ratio, d / tol);
    if (d > tol) ++bad;
  }
  c.ok = bad == 0, c.error = ratio;
  c.detail = "max " + num(worst) + ", worst err/tol " + num(ratio) + (bad ? ", " + std::to_string(bad) + " outside" : "");
  return c;
}

VisionCheck check_max_abs(const std::string& name, const mx::array& actual, const mx::array& expected, double tol) {
  VisionCheck c{name, true, 0, tol, ""};
  if (!same_shape(actual, expected, c)) return c;
  const auto a = host_values(actual), e = host_values(expected);
  for (std::size_t i = 0; i < a.size(); ++i) c.error = std::max(c.error, std::abs(a[i] - e[i]));
  c.ok = c.error <= tol;
  c.detail = "max " + num(c.error) + " (<= " + num(tol) + ")";
  return c;
}

VisionCheck check_mask_iou(const std::string& name, const mx::array& actual, const mx::array& expected, double min_iou) {
  VisionCheck c{name, true, 0, 1.0 - min_iou, ""};
  if (!same_shape(actual, expected, c) || actual.ndim() < 2) return c;
  const auto a = host_values(actual), e = host_values(expected);
  const std::size_t plane = std::size_t(actual.shape(-1)) * std::size_t(actual.shape(-2));
  double worst = 1.0;
  for (std::size_t m = 0; m * plane < a.size(); ++m) {
    long long both = 0, any = 0;
    for (std::size_t i = m * plane; i < (m + 1) * plane; ++i) {
      const bool x = a[i] > 0, y = e[i] > 0;
      both += x && y, any += x || y;
    }
    worst = std::min(worst, any ? double(both) / double(any) : 1.0);
  }
  c.error = 1.0 - worst, c.ok = worst >= min_iou;
  c.detail = "worst IoU " + num(worst) + " (>= " + num(min_iou) + ")";
  return c;
}

}  // namespace detail

GoldenCaseResult run_vision_golden_case(const std::string& case_dir) {
  GoldenCaseResult r;
  r.name = std::filesystem::path(case_dir).filename().string();
  const auto j = detail::read_json_object(case_dir + "/case.json", "vision.golden");
  const std::string kind = j.value("case", "");
  std::vector<VisionCheck> checks;
  if (kind == "clip") checks = run_clip_golden_checks(case_dir);
  else if (kind == "sam") checks = run_sam_golden_checks(case_dir);
  else throw FormatError("vision.golden", case_dir + "/case.json", "field case must be \"clip\" or \"sam\", got \"" + kind + "\"");
  int failed = 0;
  std::string failures;
  for (const auto& c : checks)
    if (!c.ok) ++failed, failures += (failures.empty() ? "" : "; ") + c.name + ": " + c.detail;
  r.passed = failed == 0 && !checks.empty();
  r.detail = std::to_string(checks.size() - std::size_t(failed)) + "/" + std::to_string(checks.size()) + " checks" +
             (failures.empty() ? "" : "; failed: " + failures);
  return r;
}

}  // namespace robomlx::vision
