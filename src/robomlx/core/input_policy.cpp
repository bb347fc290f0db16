// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/input_policy.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace robomlx {

namespace {

struct CapInfo {
  const char* name;
  const char* env;
  const char* flag;
  std::uint64_t fallback;
};

constexpr CapInfo kCaps[] = {
    {"pixels", "ROBOMLX_MAX_PIXELS", "--max-pixels", std::uint64_t(1) << 26},
    {"points", "ROBOMLX_MAX_POINTS", "--max-points", std::uint64_t(1) << 27},
    {"elements", "ROBOMLX_MAX_ELEMENTS", "--max-elements", std::uint64_t(1) << 30},
};

// Values set by set_input_cap (the CLI flags); 0 = not set.
std::atomic<std::uint64_t> g_set[3] = {0, 0, 0};

const CapInfo& info(InputCap cap) { return kCaps[static_cast<int>(cap)]; }

}  // namespace

const char* input_cap_name(InputCap cap) { return info(cap).name; }
const char* input_cap_env(InputCap cap) { return info(cap).env; }
const char* input_cap_flag(InputCap cap) { return info(cap).flag; }
std::uint64_t input_cap_default(InputCap cap) { return info(cap).fallback; }

std::uint64_t parse_input_cap(std::string_view text, const std::string& what) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v == 0) {
    throw std::invalid_argument("[core.input] " + what + " must be a positive integer, got '" + std::string(text.substr(0, 40)) +
                                "'");
  }
  return v;
}

std::uint64_t input_cap(InputCap cap) {
  const std::uint64_t set = g_set[static_cast<int>(cap)].load(std::memory_order_relaxed);
  if (set != 0) return set;
  const char* env = std::getenv(info(cap).env);
  if (env != nullptr && *env != '\0') return parse_input_cap(env, info(cap).env);
  return info(cap).fallback;
}

void set_input_cap(InputCap cap, std::uint64_t value) {
  g_set[static_cast<int>(cap)].store(value, std::memory_order_relaxed);
}

void check_input_cap(InputCap cap, std::uint64_t count, const std::string& file, const std::string& what) {
  const std::uint64_t limit = input_cap(cap);
  if (count <= limit) return;
  const CapInfo& c = info(cap);
  throw InputLimitError(file, what + " exceeds the " + c.name + " cap of " + std::to_string(limit) +
                                  " (raise it with " + c.flag + " N or " + c.env + "=N)");
}

void check_image_size(std::uint64_t width, std::uint64_t height, const std::string& file, const std::string& kind) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  // Each side is at most 2^32 in every format we read, so the product fits 64 bits; guard anyway.
  if (width != 0 && height > UINT64_MAX / width) {
    check_input_cap(InputCap::pixels, UINT64_MAX, file, kind + " " + size);
  }
  const std::uint64_t pixels = width * height;
  check_input_cap(InputCap::pixels, pixels, file, kind + " " + size + " (" + std::to_string(pixels) + " pixels)");
}

NonFinitePolicy parse_non_finite_policy(std::string_view text) {
  if (text == "reject") return NonFinitePolicy::reject;
  if (text == "drop") return NonFinitePolicy::drop;
  throw std::invalid_argument("[core.input] non-finite policy must be reject or drop, got '" + std::string(text) + "'");
}

FiniteRows finite_rows(const float* data, std::size_t rows, std::size_t cols) {
  FiniteRows out;
  out.keep.assign(rows, 1);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t k = 0; k < cols; ++k) {
      if (!std::isfinite(data[i * cols + k])) {
        out.keep[i] = 0;
        break;
      }
    }
    if (!out.keep[i]) {
      ++out.dropped;
      if (!out.first_bad) out.first_bad = i;
    }
  }
  return out;
}

std::string number_text(double v) {
  // Whole numbers as integers ("100000", not "1e+05"), everything else in shortest form.
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void require_in_range(double v, double lo, double hi, const std::string& file, const std::string& field,
                      const std::string& why) {
  if (v >= lo && v <= hi && std::isfinite(v)) return;
  throw FormatError(file, field + " must be in [" + number_text(lo) + ", " + number_text(hi) + "]" +
                              (why.empty() ? "" : " (" + why + ")") + ", got " + number_text(v));
}

std::optional<double> parse_finite_number(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long long> parse_integer(std::string_view text, long long lo, long long hi) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  long long v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace robomlx
