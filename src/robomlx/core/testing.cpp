// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/testing.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <random>
#include <sstream>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <mlx/utils.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"

namespace robomlx {

namespace fs = std::filesystem;

namespace {
std::vector<double> to_host_f64(const mx::array& a) {
  auto h = mx::astype(mx::flatten(a, mx::Device::cpu), mx::float64, mx::Device::cpu);
  mx::eval(h);
  const double* p = h.data<double>();
  return std::vector<double>(p, p + h.size());
}

// x + sign * d computed in float64 on the CPU; callers cast back down when f runs in float32.
mx::array shifted(const mx::array& x, const mx::array& d, int sign) {
  auto x64 = mx::astype(x, mx::float64, mx::Device::cpu);
  auto r = sign > 0 ? mx::add(x64, d, mx::Device::cpu) : mx::subtract(x64, d, mx::Device::cpu);
  mx::eval(r);
  return r;
}

CompareResult shape_mismatch(const mx::array& a, const mx::array& b) {
  CompareResult r;
  r.ok = false;
  r.message = "shape " + shape_string(a.shape()) + " != expected " + shape_string(b.shape());
  return r;
}
}  // namespace

CompareResult allclose_scaled(const mx::array& actual, const mx::array& expected, double rtol, double atol) {
  if (actual.shape() != expected.shape()) return shape_mismatch(actual, expected);
  auto a = to_host_f64(actual);
  auto b = to_host_f64(expected);
  CompareResult r;
  for (double v : b) {
    if (std::isfinite(v)) r.scale = std::max(r.scale, std::abs(v));
  }
  double tol = atol + rtol * r.scale;
  double worst = -1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool nan_a = std::isnan(a[i]), nan_b = std::isnan(b[i]);
    double err = (nan_a || nan_b) ? (nan_a == nan_b ? 0 : INFINITY) : std::abs(a[i] - b[i]);
    if (std::isinf(a[i]) && a[i] == b[i]) err = 0;
    if (!(err <= tol)) ++r.mismatches;
    if (err > worst) {
      worst = err;
      r.worst_index = static_cast<long long>(i);
    }
    r.max_abs_err = std::max(r.max_abs_err, err);
  }
  r.ok = r.mismatches == 0;
  if (!r.ok) {
    std::ostringstream os;
    os << r.mismatches << " of " << a.size() << " elements exceed tol " << tol << " (atol " << atol << " + rtol "
       << rtol << " x scale " << r.scale << "); worst at flat index " << r.worst_index << ": got "
       << a[r.worst_index] << ", expected " << b[r.worst_index];
    r.message = os.str();
  }
  return r;
}

CompareResult exactly_equal(const mx::array& actual, const mx::array& expected) {
  return allclose_scaled(actual, expected, 0.0, 0.0);
}

CompareResult check_gradient(const std::function<std::vector<mx::array>(const std::vector<mx::array>&)>& f,
                             const std::vector<mx::array>& inputs, const std::vector<int>& argnums,
                             const GradCheckOptions& o) {
  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  auto first_out = f(inputs)[0];
  mx::eval(first_out);
  std::vector<float> wv(first_out.size());
  for (auto& v : wv) v = normal(rng);
  mx::array w(wv.data(), first_out.shape(), mx::float32);
  auto loss = [&](const std::vector<mx::array>& xs) {
    return mx::sum(mx::multiply(mx::astype(f(xs)[0], mx::float32), w));
  };
  auto grads = mx::grad(loss, argnums)(inputs);
  mx::eval(grads);

  CompareResult r;
  double worst_rel = 0;
  std::ostringstream report;
  for (std::size_t gi = 0; gi < argnums.size(); ++gi) {
    const mx::array& x = inputs[argnums[gi]];
    auto g = to_host_f64(grads[gi]);
    // Finite differences in float64 on the CPU when f supports it (float32 loses ~3 digits to
    // cancellation); otherwise in the inputs' own precision on the current device.
    bool use_f64 = true;
    auto eval_loss = [&](const mx::array& xp) -> double {
      std::vector<mx::array> xs = inputs;
      xs[argnums[gi]] = xp;
      if (use_f64) {
        try {
          mx::StreamContext cpu(mx::Device::cpu);
          std::vector<mx::array> x64 = xs;  // xs stays in the inputs' dtypes for the fallback below
          for (auto& v : x64) {
            if (mx::issubdtype(v.dtype(), mx::floating)) v = mx::astype(v, mx::float64);
          }
          auto out = f(x64)[0];
          return mx::sum(mx::multiply(mx::astype(out, mx::float64), mx::astype(w, mx::float64))).item<double>();
        } catch (const std::exception&) {
          use_f64 = false;
        }
      }
      xs[argnums[gi]] = mx::astype(xs[argnums[gi]], x.dtype(), mx::Device::cpu);
      return loss(xs).item<float>();
    };
    std::vector<std::pair<double, double>> pairs;  // (finite difference, analytic)
    if (x.size() <= static_cast<std::size_t>(o.max_full)) {
      for (std::size_t i = 0; i < x.size(); ++i) {
        std::vector<double> e(x.size(), 0.0);
        e[i] = o.eps;
        mx::array d(e.data(), x.shape(), mx::float64);
        double fd = (eval_loss(shifted(x, d, +1)) - eval_loss(shifted(x, d, -1))) / (2 * o.eps);
        pairs.emplace_back(fd, g[i]);
      }
    } else {
      for (int p = 0; p < o.projections; ++p) {
        std::vector<float> v(x.size());
        double n2 = 0;
        for (auto& s : v) {
          s = normal(rng);
          n2 += double(s) * s;
        }
        double inv = 1.0 / std::sqrt(n2);
        double dot = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
          v[i] = static_cast<float>(v[i] * inv);
          dot += v[i] * g[i];
        }
        std::vector<double> dv(v.begin(), v.end());
        for (auto& s : dv) s *= o.eps;
        mx::array d(dv.data(), x.shape(), mx::float64);
        double fd = (eval_loss(shifted(x, d, +1)) - eval_loss(shifted(x, d, -1))) / (2 * o.eps);
        pairs.emplace_back(fd, dot);
      }
    }
    double scale = 0;
    for (auto [fd, an] : pairs) scale = std::max({scale, std::abs(fd), std::abs(an)});
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      double err = std::abs(pairs[i].first - pairs[i].second);
      r.max_abs_err = std::max(r.max_abs_err, err);
      r.scale = std::max(r.scale, scale);
      if (err > o.atol + o.rtol * scale) {
        ++r.mismatches;
        double rel = err / std::max(scale, 1e-30);
        if (rel > worst_rel) {
          worst_rel = rel;
          report.str("");
          report << "input " << argnums[gi] << " direction " << i << ": finite difference " << pairs[i].first
                 << " vs analytic " << pairs[i].second << " (scale " << scale << ")";
        }
      }
    }
  }
  r.ok = r.mismatches == 0;
  r.message = report.str();
  return r;
}

std::vector<GoldenCaseResult> run_golden_cases(const std::string& folder,
                                               const std::function<GoldenCaseResult(const std::string&)>& run_case,
                                               std::ostream& out) {
  if (!fs::is_directory(folder)) throw FormatError(folder, "not a folder of golden cases");
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_directory() && fs::exists(entry.path() / "case.json")) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  if (cases.empty()) throw FormatError(folder, "no sub-folder holds a case.json");
  std::vector<GoldenCaseResult> results;
  int passed = 0, failed = 0;
  for (const auto& dir : cases) {
    GoldenCaseResult r;
    try {
      r = run_case(dir.string());
    } catch (const FormatError& e) {
      r.passed = false;
      r.detail = std::string("error: ") + e.what();
      r.malformed = std::current_exception();
    } catch (const std::exception& e) {
      r.passed = false;
      r.detail = std::string("error: ") + e.what();
    }
    if (r.name.empty()) r.name = dir.filename().string();
    (r.passed ? passed : failed)++;
    out << (r.passed ? "PASS " : "FAIL ") << r.name << "  " << r.detail << "\n";
    results.push_back(std::move(r));
  }
  out << passed << " passed, " << failed << " failed\n";
  return results;
}

}  // namespace robomlx
