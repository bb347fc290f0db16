// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/prefix_cache.h"

#include <algorithm>

namespace robomlx::serve {

namespace {
// Leading tokens a and b share, counting at most `limit`.
int common_prefix(const std::vector<int>& a, const std::vector<int>& b, int limit) {
  const int n = std::min({static_cast<int>(a.size()), static_cast<int>(b.size()), limit});
  int i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// True when `shorter`'s tokens all begin `longer`'s.
bool starts(const std::vector<int>& longer, const std::vector<int>& shorter) {
  return shorter.size() <= longer.size() && std::equal(shorter.begin(), shorter.end(), longer.begin());
}
}  // namespace

PrefixCache::Match PrefixCache::lookup(const std::string& model, const std::vector<int>& prompt, int limit, int min_tokens) {
  auto best = entries_.end();
  int best_len = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->model != model) continue;
    const int len = common_prefix(it->prefix->tokens, prompt, limit);
    if (len > best_len) best = it, best_len = len;
  }
  if (best == entries_.end() || best_len < std::max(1, min_tokens)) return {};
  entries_.splice(entries_.begin(), entries_, best);
  return {best->prefix, best_len};
}

void PrefixCache::insert(const std::string& model, std::shared_ptr<const KvPrefix> prefix) {
  if (!prefix || prefix->tokens.empty() || prefix->bytes > capacity_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->model == model && starts(it->prefix->tokens, prefix->tokens)) {  // already covered
      entries_.splice(entries_.begin(), entries_, it);
      return;
    }
    ++it;
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->model == model && starts(prefix->tokens, it->prefix->tokens)) {  // the new one extends it
      bytes_ -= it->prefix->bytes;
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  evict_to(capacity_ - prefix->bytes);
  bytes_ += prefix->bytes;
  entries_.push_front({model, std::move(prefix)});
}

void PrefixCache::evict_to(std::int64_t bytes) {
  while (!entries_.empty() && bytes_ > bytes) {
    bytes_ -= entries_.back().prefix->bytes;
    entries_.pop_back();
    ++evictions_;
  }
}

}  // namespace robomlx::serve
