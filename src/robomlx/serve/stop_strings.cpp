// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/stop_strings.h"

#include <algorithm>

#include "robomlx/serve/tokenizer_text_internal.h"

namespace robomlx::serve {

StopStringFilter::StopStringFilter(std::vector<std::string> stops) {
  for (auto& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
}

std::string StopStringFilter::push(std::string_view bytes) {
  if (stopped_) return {};
  held_.append(bytes);
  // Earliest stop string in what is held (text already sent cannot start one: it was held back
  // while it could).
  std::size_t first = std::string::npos;
  for (const auto& s : stops_) {
    const auto at = held_.find(s);
    if (at == std::string::npos) continue;
    if (at < first || (at == first && s.size() > matched_.size())) {
      first = at;
      matched_ = s;
    }
  }
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = held_.substr(0, first);
    held_.clear();
    return out;
  }
  // Hold the longest tail that is a proper prefix of some stop string.
  std::size_t hold = 0;
  for (const auto& s : stops_) {
    for (std::size_t k = std::min(s.size() - 1, held_.size()); k > hold; --k) {
      if (held_.compare(held_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  std::size_t emit = held_.size() - hold;
  emit = detail::utf8_complete_prefix(std::string_view(held_).substr(0, emit));
  std::string out = held_.substr(0, emit);
  held_.erase(0, emit);
  return out;
}

std::string StopStringFilter::flush() {
  if (stopped_) return {};
  std::string out = detail::utf8_sanitize(held_);
  held_.clear();
  return out;
}

}  // namespace robomlx::serve
