// SPDX-License-Identifier: Apache-2.0
#include <cmath>
#include <limits>

#include "robomlx/core/error.h"
#include "robomlx/depth/golden_internal.h"

namespace robomlx::depth {

namespace {

using json = nlohmann::json;

// case.json is checked as a whole before a case runs, so a malformed file is one FormatError
// naming the field (a JSON path) rather than an nlohmann type error from deep inside a block.
class CaseSchema {
 public:
  explicit CaseSchema(const std::string& file) : file_(file) {}

  void check(const json& c) {
    if (!c.is_object()) fail("", "must be a JSON object");
    string(c, "block", true);
    string(c, "case", false);
    for (const char* list : {"inputs", "outputs"}) {
      const json& entries = array(c, list, true);
      for (std::size_t i = 0; i < entries.size(); ++i) entry(entries[i], std::string(list) + "[" + std::to_string(i) + "]");
    }
    options(c, "options_set_in_order", "");
    number(c, "depth_units", "");
    number(c, "stereo_baseline_mm", "");
    if (c.contains("chain")) {
      const json& chain = array(c, "chain", true);
      for (std::size_t i = 0; i < chain.size(); ++i) {
        const std::string at = "chain[" + std::to_string(i) + "]";
        if (!chain[i].is_object()) fail(at, "must be an object");
        string(chain[i], "block", true, at);
        options(chain[i], "options_set_in_order", at);
      }
    }
    for (const char* e : {"extrinsics_depth_to_color", "extrinsics_color_to_depth"}) {
      if (!c.contains(e)) continue;
      if (!c[e].is_object()) fail(e, "must be an object");
      numbers(c[e], "rotation_column_major", 9, e);
      numbers(c[e], "translation_m", 3, e);
    }
    if (c.contains("texture_intrinsics")) intrinsics(c["texture_intrinsics"], "texture_intrinsics");
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw FormatError(file_, (path.empty() ? std::string("the top level") : "field '" + path + "'") + " " + what);
  }
  static std::string join(const std::string& at, const std::string& key) { return at.empty() ? key : at + "." + key; }

  const json* get(const json& o, const std::string& key, bool required, const std::string& at) const {
    if (!o.contains(key)) {
      if (required) fail(join(at, key), "is missing");
      return nullptr;
    }
    return &o[key];
  }
  void string(const json& o, const std::string& key, bool required, const std::string& at = "") const {
    if (const json* v = get(o, key, required, at); v && !v->is_string()) fail(join(at, key), "must be a string, got " + v->dump());
  }
  const json& array(const json& o, const std::string& key, bool required, const std::string& at = "") const {
    static const json empty = json::array();
    const json* v = get(o, key, required, at);
    if (!v) return empty;
    if (!v->is_array()) fail(join(at, key), "must be an array");
    return *v;
  }
  // A number that stays finite as float32 (the blocks' option type).
  void number(const json& o, const std::string& key, const std::string& at) const {
    const json* v = get(o, key, false, at);
    if (v && (!v->is_number() || !std::isfinite(v->get<double>()) || std::fabs(v->get<double>()) > 3.4e38))
      fail(join(at, key), "must be a finite number, got " + v->dump());
  }
  void integer(const json& o, const std::string& key, long long lo, long long hi, const std::string& at) const {
    const json* v = get(o, key, false, at);
    if (!v) return;
    if (!v->is_number_integer() || v->get<long long>() < lo || v->get<long long>() > hi ||
        (v->is_number_unsigned() && v->get<unsigned long long>() > static_cast<unsigned long long>(hi)))
      fail(join(at, key), "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + v->dump());
  }
  void numbers(const json& o, const std::string& key, std::size_t n, const std::string& at) const {
    const json& a = array(o, key, true, at);
    if (a.size() != n) fail(join(at, key), "must hold " + std::to_string(n) + " numbers, got " + std::to_string(a.size()));
    for (std::size_t i = 0; i < n; ++i) {
      if (!a[i].is_number() || !std::isfinite(a[i].get<double>()) || std::fabs(a[i].get<double>()) > 3.4e38)
        fail(join(at, key) + "[" + std::to_string(i) + "]", "must be a finite number, got " + a[i].dump());
    }
  }
  void options(const json& o, const std::string& key, const std::string& at) const {
    const json& list = array(o, key, false, at);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string here = join(at, key) + "[" + std::to_string(i) + "]";
      if (!list[i].is_object()) fail(here, "must be an object {\"option\": ..., \"value_set\": ...}");
      string(list[i], "option", true, here);
      if (!list[i].contains("value_set")) fail(here + ".value_set", "is missing");
      number(list[i], "value_set", here);
    }
  }
  void intrinsics(const json& in, const std::string& at) const {
    if (!in.is_object()) fail(at, "must be an object");
    integer(in, "width", 0, 65535, at);
    integer(in, "height", 0, 65535, at);
    for (const char* k : {"ppx", "ppy", "fx", "fy"}) number(in, k, at);
    string(in, "model", false, at);
    const json& coeffs = array(in, "coeffs", false, at);
    for (std::size_t i = 0; i < coeffs.size(); ++i) {
      if (!coeffs[i].is_number() || !std::isfinite(coeffs[i].get<double>()) || std::fabs(coeffs[i].get<double>()) > 3.4e38)
        fail(join(at, "coeffs") + "[" + std::to_string(i) + "]", "must be a finite number, got " + coeffs[i].dump());
    }
  }
  void entry(const json& e, const std::string& at) const {
    if (!e.is_object()) fail(at, "must be an object");
    string(e, "file", true, at);
    string(e, "kind", false, at);
    string(e, "role", false, at);
    integer(e, "width", 0, 65535, at);
    integer(e, "height", 0, 65535, at);
    integer(e, "frame_number", 0, std::numeric_limits<long long>::max(), at);
    integer(e, "sequence_index", 0, 1 << 30, at);
    number(e, "depth_units", at);
    number(e, "stereo_baseline_mm", at);
    if (e.contains("shape")) {
      const json& shape = array(e, "shape", true, at);
      if (shape.empty() || shape.size() > 4) fail(join(at, "shape"), "must hold 1 to 4 sizes");
      for (std::size_t i = 0; i < shape.size(); ++i) {
        if (!shape[i].is_number_integer() || shape[i].get<long long>() < 1 || shape[i].get<long long>() > 65535)
          fail(join(at, "shape") + "[" + std::to_string(i) + "]", "must be an integer in [1, 65535], got " + shape[i].dump());
      }
    }
    if (e.contains("intrinsics")) intrinsics(e["intrinsics"], join(at, "intrinsics"));
  }

  const std::string& file_;
};

}  // namespace

void check_golden_case(const json& c, const std::string& file) { CaseSchema(file).check(c); }

}  // namespace robomlx::depth
