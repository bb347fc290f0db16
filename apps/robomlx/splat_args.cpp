// SPDX-License-Identifier: Apache-2.0
#include "splat_args.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include "robomlx/core/check.h"

namespace robomlx::cli {

std::array<double, 3> parse_triple(const char* tag, const std::string& text, const std::string& option) {
  std::array<double, 3> v{};
  std::size_t start = 0;
  for (int k = 0; k < 3; ++k) {
    const std::size_t end = k < 2 ? text.find(',', start) : text.size();
    const std::string part = end == std::string::npos ? "" : text.substr(start, end - start);
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v[k]);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || !std::isfinite(v[k]) ||
        (k == 2 && text.find(',', start) != std::string::npos)) {
      fail_argument(tag, option + " must be 3 comma-separated finite numbers, got '" + text + "'");
    }
    start = end + 1;
  }
  return v;
}

}  // namespace robomlx::cli
