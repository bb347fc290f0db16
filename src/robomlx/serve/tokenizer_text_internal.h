// SPDX-License-Identifier: Apache-2.0
// UTF-8 helpers the tokenizers share (private). Text from clients may be invalid UTF-8; the Python
// tokenizers only ever see valid strings, so invalid bytes become U+FFFD before tokenizing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace robomlx::serve::detail {

/// Code points of `text`; each invalid or truncated sequence becomes one U+FFFD.
std::vector<char32_t> utf8_decode(std::string_view text);
/// Appends the UTF-8 bytes of `cp` to `out`.
void utf8_append(std::string& out, char32_t cp);
/// `text` with invalid sequences replaced by U+FFFD (unchanged when already valid).
std::string utf8_sanitize(std::string_view text);
/// Length of the longest prefix of `text` that does not end inside a UTF-8 sequence: streaming
/// callers emit that much and keep the rest until the next token completes it.
std::size_t utf8_complete_prefix(std::string_view text);

}  // namespace robomlx::serve::detail
