// SPDX-License-Identifier: Apache-2.0
// Numerical test helpers shared by the test suites and `robomlx <system> golden`.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <mlx/array.h>

namespace robomlx {

namespace mx = mlx::core;

/// Outcome of a comparison; `message` explains the worst element when !ok.
struct CompareResult {
  bool ok = true;
  double max_abs_err = 0;   // max |a - b|
  double scale = 0;         // max(|b|) over the reference, the "largest magnitude"
  long long worst_index = -1;
  long long mismatches = 0;  // elements outside tolerance
  std::string message;
};

/// Scale-aware closeness: |a - b| <= atol + rtol * max(|b|) for every element, i.e. the error is
/// judged relative to the reference's largest magnitude (not per element, which breaks near 0).
/// Shapes must match; NaNs must coincide. Inputs are compared in float64 on the CPU.
CompareResult allclose_scaled(const mx::array& actual, const mx::array& expected, double rtol, double atol = 0);

/// Exact equality (integer outputs); reports the first mismatch and the count.
CompareResult exactly_equal(const mx::array& actual, const mx::array& expected);

/// Options for the central-difference gradient check.
struct GradCheckOptions {
  double eps = 1e-3;       // step, in the inputs' units
  double rtol = 1e-2;      // judged against max(|fd|, |analytic|) over checked directions
  double atol = 1e-4;
  int max_full = 64;       // inputs with at most this many elements are checked entry by entry
  int projections = 8;     // otherwise: this many random directions v, comparing <grad, v>
  unsigned seed = 1234;
};

/// Compares the analytic gradient of sum(f(inputs)[0] * w) (w a fixed random weight) with
/// central finite differences, for each input listed in `argnums` (float32 inputs; the finite
/// differences run in float64 on the CPU when possible for accuracy, else float32).
CompareResult check_gradient(const std::function<std::vector<mx::array>(const std::vector<mx::array>&)>& f,
                             const std::vector<mx::array>& inputs, const std::vector<int>& argnums,
                             const GradCheckOptions& options = {});

/// One golden case outcome for a runner's report.
struct GoldenCaseResult {
  std::string name;
  bool passed = false;
  std::string detail;  // "max err 0 (exact)", or what differed
  /// Set when the case's own files are malformed (a FormatError: case.json, an input frame);
  /// the CLI rethrows it after the report so that the run exits 3 naming the file and field.
  std::exception_ptr malformed{};
};

/// Runs `run_case(case_dir)` for every sub-folder of `folder` holding a `case.json` (sorted by
/// name), printing "PASS name  detail" / "FAIL name  detail" per case and a closing
/// "N passed, M failed" line to `out`. Exceptions from a case count as failures with their
/// message (FormatErrors are also kept in `malformed`). Returns the results (the caller exits
/// non-zero when any failed).
std::vector<GoldenCaseResult> run_golden_cases(const std::string& folder,
                                               const std::function<GoldenCaseResult(const std::string& case_dir)>& run_case,
                                               std::ostream& out);

}  // namespace robomlx
