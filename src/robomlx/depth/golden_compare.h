// SPDX-License-Identifier: Apache-2.0
// Output comparison for the golden runner (golden.cpp). Tolerances, per output kind:
//   z16, rgb8        exact (integer outputs must be bit-identical to librealsense);
//   disparity32      |got - want| <= 1e-6 * |want|: K / z is one IEEE float32 division, so the CPU
//                    result is exact; the slack (~8 ulp) allows a GPU's division, and zeros must
//                    stay exactly zero;
//   xyz32f           |got - want| <= 1e-5 m: a few float32 ulps of a ray times depth (librealsense's
//                    SSE path precomputes rays in another order); 100x below the 1 mm depth unit;
//   uv32f            |got - want| <= 1e-5 (normalised; 0.0064 px across 640 px).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robomlx/depth/frame.h"

namespace robomlx::depth {

struct Outcome {
  bool ok = true;
  std::string detail;
};

/// Compares `got` with the file named by the output entry (kind, width, height, shape).
Outcome compare_output(const mx::array& got, const nlohmann::json& entry, const std::string& case_dir);
/// Same, plus the frame's width/height and intrinsics against the entry's "intrinsics" (exact).
Outcome compare_frame(const Frame& got, const nlohmann::json& entry, const std::string& case_dir);

/// Joins per-output outcomes into one detail line.
class OutcomeList {
 public:
  void add(const std::string& label, Outcome o) { items_.push_back({label, std::move(o)}); }
  bool ok() const;
  std::string detail() const;

 private:
  std::vector<std::pair<std::string, Outcome>> items_;
};

}  // namespace robomlx::depth
