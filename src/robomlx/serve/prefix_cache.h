// SPDX-License-Identifier: Apache-2.0
// The scheduler's prefix (prompt) cache: keys and values of earlier sequences (text_model.h's
// KvPrefix), looked up by the longest common prefix of token ids, so a prompt that repeats a system
// prompt or a chat's history skips recomputing it. Bounded by bytes, least recently used first out.
//
// What goes in (scheduler_text.cpp): a sequence's prompt once it has prefilled, and its prompt plus
// generated tokens when it ends, so the next turn of a chat finds its history. An entry that another
// extends (its tokens a prefix of the newer one's) is dropped, since every lookup it could answer
// the longer one answers at least as well; an entry already covered by a longer one is not added.
// A lookup scans every entry (a few hundred at most at the default size: microseconds beside a
// forward pass), which keeps it simple where a token trie would save nothing that matters.
// Plain data and shared pointers only: owned and used by the inference thread (the prefixes hold
// MLX arrays), which also destroys what it evicts.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

/// The scheduler reuses a cached prefix, and saves a sequence into the cache, only from this many
/// tokens: shorter ones (a chat template's first line) save less than their copy costs.
inline constexpr int kPrefixMinTokens = 16;

class PrefixCache {
 public:
  /// `capacity_bytes` 0 disables the cache (lookups miss, inserts are dropped).
  explicit PrefixCache(std::int64_t capacity_bytes = 0) : capacity_(capacity_bytes) {}

  struct Match {
    std::shared_ptr<const KvPrefix> prefix;  // null on a miss
    int tokens = 0;                          // how many leading prompt tokens it holds
  };
  /// The entry of `model` sharing the longest prefix with `prompt` (counted up to `limit` tokens),
  /// marked most recently used. A miss when that prefix is shorter than `min_tokens`.
  Match lookup(const std::string& model, const std::vector<int>& prompt, int limit, int min_tokens);
  /// Adds `prefix` for `model` as the most recently used entry (see the header's rules), then evicts
  /// the least recently used entries until the total fits the capacity.
  void insert(const std::string& model, std::shared_ptr<const KvPrefix> prefix);

  std::int64_t capacity() const { return capacity_; }
  std::int64_t bytes() const { return bytes_; }
  int entries() const { return static_cast<int>(entries_.size()); }
  long evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string model;
    std::shared_ptr<const KvPrefix> prefix;
  };
  void evict_to(std::int64_t bytes);

  std::int64_t capacity_ = 0, bytes_ = 0;
  long evictions_ = 0;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace robomlx::serve
