// SPDX-License-Identifier: Apache-2.0
// Private (not installed): reading a field of a JSON object from a file a user brings (a model
// folder's config.json, tokenizer.json). nlohmann's value() throws type_error when the field has
// another type, a message that names neither the file nor the field (and a server answered 500).
#pragma once

#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace robomlx::serve::detail {

/// `fallback` when `key` is absent or null; std::invalid_argument "<what>: <file>: '<key>' must be
/// <kind>, got <value>" when it holds another JSON type.
template <typename T>
T json_field(const nlohmann::json& j, const std::string& key, T fallback, const std::string& what,
             const std::string& file) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return fallback;
  const auto& v = j[key];
  bool ok = false;
  const char* kind = "";
  if constexpr (std::is_same_v<T, bool>) {
    ok = v.is_boolean(), kind = "a boolean";
  } else if constexpr (std::is_integral_v<T>) {
    ok = v.is_number_integer(), kind = "an integer in range";
    if (ok) {
      const double d = v.get<double>();
      ok = d >= static_cast<double>(std::numeric_limits<T>::min()) && d <= static_cast<double>(std::numeric_limits<T>::max());
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    ok = v.is_number(), kind = "a number";
  } else {
    ok = v.is_string(), kind = "a string";
  }
  if (!ok) throw std::invalid_argument(what + ": " + file + ": '" + key + "' must be " + kind + ", got " + v.dump());
  return v.get<T>();
}

}  // namespace robomlx::serve::detail
