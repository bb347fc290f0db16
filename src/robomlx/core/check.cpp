// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/check.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <mlx/utils.h>

namespace robomlx {

namespace {
std::string fmt_num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

void fail_argument(std::string_view tag, const std::string& message) {
  throw std::invalid_argument("[" + std::string(tag) + "] " + message);
}

void check_range(std::string_view tag, std::string_view name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) {
    fail_argument(tag, std::string(name) + " must be in [" + fmt_num(lo) + ", " + fmt_num(hi) +
                           "], got " + fmt_num(v));
  }
}

void check_range_from(std::string_view tag, std::string_view name, double v, std::string_view lo_name, double lo,
                      double hi) {
  if (!(v >= lo && v <= hi)) {
    fail_argument(tag, std::string(name) + " must be in [" + fmt_num(lo) + ", " + fmt_num(hi) + "], got " + fmt_num(v) +
                           " (" + std::string(name) + " >= " + std::string(lo_name) + ")");
  }
}

void check_finite(std::string_view tag, std::string_view name, double v) {
  if (!std::isfinite(v)) fail_argument(tag, std::string(name) + " must be finite, got " + fmt_num(v));
}

std::string shape_string(const mx::Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string dtype_name(mx::Dtype dtype) {
  std::ostringstream os;
  os << dtype;
  return os.str();
}

void check_ndim(std::string_view tag, std::string_view name, const mx::array& a, int ndim) {
  if (static_cast<int>(a.ndim()) != ndim) {
    fail_argument(tag, std::string(name) + " must have " + std::to_string(ndim) +
                           " dimensions, got shape " + shape_string(a.shape()));
  }
}

void check_shape(std::string_view tag, std::string_view name, const mx::array& a,
                 std::initializer_list<int> shape) {
  bool ok = a.ndim() == shape.size();
  std::string want = "[";
  int i = 0;
  for (int d : shape) {
    want += (i ? ", " : "") + (d < 0 ? std::string("*") : std::to_string(d));
    if (ok && d >= 0 && a.shape(i) != d) ok = false;
    ++i;
  }
  want += "]";
  if (!ok) fail_argument(tag, std::string(name) + " must have shape " + want + ", got " + shape_string(a.shape()));
}

void check_dtype(std::string_view tag, std::string_view name, const mx::array& a,
                 std::initializer_list<mx::Dtype> allowed) {
  for (auto d : allowed) {
    if (a.dtype() == d) return;
  }
  std::string want;
  for (auto d : allowed) want += (want.empty() ? "" : " or ") + dtype_name(d);
  fail_argument(tag, std::string(name) + " must be " + want + ", got " + dtype_name(a.dtype()));
}

void check_integer(std::string_view tag, std::string_view name, const mx::array& a) {
  if (!mx::issubdtype(a.dtype(), mx::integer)) {
    fail_argument(tag, std::string(name) + " must have an integer dtype, got " + dtype_name(a.dtype()));
  }
}

}  // namespace robomlx
