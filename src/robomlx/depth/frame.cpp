// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/frame.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "robomlx/core/check.h"

namespace robomlx::depth {

namespace {

// "Brown Conrady", "brown-conrady" and "brown_conrady" all normalise to "brown_conrady".
std::string normalise(const std::string& name) {
  std::string out;
  for (char c : name) {
    out += (c == ' ' || c == '-') ? '_' : char(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string float_text(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

Distortion parse_distortion(const std::string& name) {
  const std::string n = normalise(name);
  if (n == "none") return Distortion::none;
  if (n == "modified_brown_conrady") return Distortion::modified_brown_conrady;
  if (n == "inverse_brown_conrady") return Distortion::inverse_brown_conrady;
  if (n == "ftheta" || n == "f_theta") return Distortion::ftheta;
  if (n == "brown_conrady") return Distortion::brown_conrady;
  if (n == "kannala_brandt4") return Distortion::kannala_brandt4;
  fail_argument("depth.intrinsics",
                "distortion model must be one of none, modified_brown_conrady, inverse_brown_conrady, "
                "ftheta, brown_conrady, kannala_brandt4, got '" + name + "'");
}

const char* to_string(Distortion d) {
  switch (d) {
    case Distortion::none: return "none";
    case Distortion::modified_brown_conrady: return "modified_brown_conrady";
    case Distortion::inverse_brown_conrady: return "inverse_brown_conrady";
    case Distortion::ftheta: return "ftheta";
    case Distortion::brown_conrady: return "brown_conrady";
    case Distortion::kannala_brandt4: return "kannala_brandt4";
  }
  return "unknown";
}

void Intrinsics::validate(const std::string& tag) const {
  const std::string t = "depth." + tag;
  auto positive = [&](const char* name, float v) {
    if (!std::isfinite(v) || v <= 0) {
      fail_argument(t, std::string("intrinsics.") + name + " must be finite and > 0, got " + float_text(v));
    }
  };
  positive("fx", fx);
  positive("fy", fy);
  if (width <= 0 || height <= 0) {
    fail_argument(t, "intrinsics size must be positive, got " + std::to_string(width) + "x" + std::to_string(height));
  }
  if (!std::isfinite(ppx)) fail_argument(t, "intrinsics.ppx must be finite, got " + float_text(ppx));
  if (!std::isfinite(ppy)) fail_argument(t, "intrinsics.ppy must be finite, got " + float_text(ppy));
  for (std::size_t i = 0; i < coeffs.size(); ++i) {
    if (!std::isfinite(coeffs[i])) {
      fail_argument(t, "intrinsics.coeffs[" + std::to_string(i) + "] must be finite, got " + float_text(coeffs[i]));
    }
  }
}

Extrinsics Extrinsics::inverse() const {
  // R is column major: R(r, c) = rotation[c * 3 + r]. Inverse: R^T, -R^T t.
  Extrinsics inv;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) inv.rotation[c * 3 + r] = rotation[r * 3 + c];
  }
  for (int r = 0; r < 3; ++r) {
    float s = 0;
    for (int c = 0; c < 3; ++c) s += inv.rotation[c * 3 + r] * translation[c];
    inv.translation[r] = -s;
  }
  return inv;
}

const char* to_string(FrameFormat f) {
  switch (f) {
    case FrameFormat::z16: return "z16";
    case FrameFormat::disparity32: return "disparity32";
    case FrameFormat::distance32f: return "distance32f";
    case FrameFormat::rgb8: return "rgb8";
    case FrameFormat::bgr8: return "bgr8";
    case FrameFormat::rgba8: return "rgba8";
    case FrameFormat::bgra8: return "bgra8";
    case FrameFormat::y8: return "y8";
    case FrameFormat::xyz32f: return "xyz32f";
    case FrameFormat::uv32f: return "uv32f";
  }
  return "unknown";
}

}  // namespace robomlx::depth
