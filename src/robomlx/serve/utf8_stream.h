// SPDX-License-Identifier: Apache-2.0
// Streaming text out of token ids: never a broken UTF-8 character, never a stop string.
//
// Byte-level BPE (and SentencePiece byte fallback) tokens can end in the middle of a multi-byte
// character, and a stop string can span several tokens. The scheduler decodes all generated ids
// after each token and hands the text to a TextAssembler, which releases only what is final:
//   - a trailing incomplete UTF-8 sequence (a lead byte with fewer continuation bytes than it
//     announces) is held back until the next token completes it;
//   - the longest tail that is a prefix of some stop string is held back until ruled out;
//   - at a stop string, the text before it is released and the stop string itself never is.
// Bytes that can never become valid UTF-8 are released as U+FFFD, so every piece is valid JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace robomlx::serve {

/// True when `text` is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Length of the longest prefix of `text` that does not end inside an incomplete character:
/// `text.size()` minus the bytes of a trailing sequence that more bytes could still complete.
std::size_t complete_utf8_prefix(std::string_view text);

/// `text` with each invalid byte sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

class TextAssembler {
 public:
  explicit TextAssembler(std::vector<std::string> stop = {});

  /// `full` is the decoded text of every generated token so far; returns the newly final text.
  std::string update(const std::string& full);
  /// The end of the generation (end token, length): everything held back, incomplete bytes as U+FFFD.
  std::string flush();
  /// True once a stop string was found (update() then returns nothing more).
  bool stopped() const { return stopped_; }
  /// Everything released so far.
  const std::string& text() const { return released_; }

 private:
  std::vector<std::string> stop_;
  std::string full_;
  std::size_t emitted_ = 0;  // bytes of full_ released
  std::string released_;
  bool stopped_ = false;
};

}  // namespace robomlx::serve
