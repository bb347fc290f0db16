// SPDX-License-Identifier: Apache-2.0
// The position-keeping cursor the lexers share: byte offset, line and code-point column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan::detail {

inline bool is_ident_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
inline bool is_ident_char(unsigned char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

struct Cursor {
  std::string_view text;
  std::size_t pos = 0;
  std::uint32_t line = 1, column = 1;

  bool done() const { return pos >= text.size(); }
  unsigned char peek(std::size_t ahead = 0) const {
    return pos + ahead < text.size() ? static_cast<unsigned char>(text[pos + ahead]) : 0;
  }
  bool starts_with(std::string_view s) const { return text.substr(pos, s.size()) == s; }
  // Columns count code points: UTF-8 continuation bytes (10xxxxxx) do not advance them.
  void advance() {
    if (done()) return;
    const unsigned char c = peek();
    ++pos;
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && !done(); ++i) advance();
  }
  void skip_to_line_end() {
    while (!done() && peek() != '\n') advance();
  }
};

/// Appends a token that starts at (line, column) and spans text[begin, end).
inline void emit(std::vector<Token>& out, TokenKind kind, std::string_view text, std::size_t begin, std::size_t end,
                 std::uint32_t line, std::uint32_t column, bool line_start) {
  out.push_back(Token{kind, line_start, line, column, text.substr(begin, end - begin)});
}

/// Reads a number token's extent: digits, letters (hex, suffixes, exponents), '.', '\'' and a sign
/// right after an exponent letter. Good enough to keep numbers out of identifiers.
inline void skip_number(Cursor& c) {
  while (!c.done()) {
    const unsigned char ch = c.peek();
    if (is_ident_char(ch) || ch == '.' || ch == '\'') {
      c.advance();
    } else if ((ch == '+' || ch == '-') && c.pos > 0) {
      const unsigned char prev = static_cast<unsigned char>(c.text[c.pos - 1]);
      if (prev != 'e' && prev != 'E' && prev != 'p' && prev != 'P') break;
      c.advance();
    } else {
      break;
    }
  }
}

}  // namespace robomlx::port_scan::detail
