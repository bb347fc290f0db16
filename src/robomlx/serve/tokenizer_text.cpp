// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/tokenizer_text_internal.h"

namespace robomlx::serve::detail {

namespace {
constexpr char32_t kReplacement = 0xFFFD;

// Length of the sequence a lead byte starts (0: not a lead byte).
int lead_length(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// Decodes one code point at text[i]; returns its byte length, or 0 if the bytes there are not a
// valid (shortest-form, non-surrogate, <= U+10FFFF) sequence.
int decode_one(std::string_view text, std::size_t i, char32_t& cp) {
  const auto c = static_cast<unsigned char>(text[i]);
  const int n = lead_length(c);
  if (n == 0 || i + n > text.size()) return 0;
  if (n == 1) {
    cp = c;
    return 1;
  }
  cp = c & (0x7F >> n);
  for (int k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}
}  // namespace

std::vector<char32_t> utf8_decode(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const int n = decode_one(text, i, cp);
    out.push_back(n ? cp : kReplacement);
    i += n ? n : 1;
  }
  return out;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const int n = decode_one(text, i, cp);
    if (n) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      utf8_append(out, kReplacement);
      ++i;
    }
  }
  return out;
}

std::size_t utf8_complete_prefix(std::string_view text) {
  // Only the last 3 bytes can belong to an unfinished sequence.
  const std::size_t n = text.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back for its lead
    const int need = lead_length(c);
    return (need > 1 && static_cast<std::size_t>(need) > back) ? n - back : n;
  }
  return n;
}

}  // namespace robomlx::serve::detail
