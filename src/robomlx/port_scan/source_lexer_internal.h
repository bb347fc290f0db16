// SPDX-License-Identifier: Apache-2.0
// The position-keeping cursor the lexers share: byte offset, line and code-point column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan::detail {

// Byte classes as one table lookup each: the lexers test every byte of every file.
struct ByteClasses {
  bool ident_start[256]{}, ident_char[256]{};
  constexpr ByteClasses() {
    for (int c = 0; c < 256; ++c) {
      ident_start[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
      ident_char[c] = ident_start[c] || (c >= '0' && c <= '9');
    }
  }
};
inline constexpr ByteClasses kBytes{};

inline bool is_ident_start(unsigned char c) { return kBytes.ident_start[c]; }
inline bool is_ident_char(unsigned char c) { return kBytes.ident_char[c]; }
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

inline bool is_ascii(std::string_view t) {
  std::size_t i = 0;
  std::uint64_t any = 0;
  for (; i + 8 <= t.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, t.data() + i, 8);
    any |= w;
  }
  for (; i < t.size(); ++i) any |= static_cast<unsigned char>(t[i]);
  return (any & 0x8080808080808080ull) == 0 && (any & 0x80) == 0;
}

// Columns are computed only where a token starts (column()), from the line's start: advancing
// then costs one compare per byte, not a code-point test, and skips can jump with memchr.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;
  std::uint32_t line = 1;
  std::size_t line_begin = 0;  // offset of the current line's first byte
  std::size_t memo_pos = 0;    // column() memo: memo_col is the column at memo_pos (same line)
  std::uint32_t memo_col = 1;
  int ascii = -1;              // whether the whole text is ASCII (then a column is a byte count); -1: not known yet

  bool done() const { return pos >= text.size(); }
  unsigned char peek(std::size_t ahead = 0) const {
    return pos + ahead < text.size() ? static_cast<unsigned char>(text[pos + ahead]) : 0;
  }
  bool starts_with(std::string_view s) const { return text.substr(pos, s.size()) == s; }
  void advance() {
    if (done()) return;
    if (text[pos] == '\n') {
      ++line;
      line_begin = pos + 1;
    }
    ++pos;
  }
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && !done(); ++i) advance();
  }
  /// Moves to `to` (>= pos, <= size), counting the newlines crossed.
  void jump(std::size_t to) {
    const char* p = text.data() + pos;
    const char* const end = text.data() + to;
    while (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
      p = static_cast<const char*>(nl) + 1;
      ++line;
      line_begin = static_cast<std::size_t>(p - text.data());
    }
    pos = to;
  }
  /// Moves over a run of blanks (never a newline): indentation is a large share of source bytes,
  /// so it gets a tight loop of its own rather than one trip through a lexer's main loop a byte.
  void skip_spaces() {
    const unsigned char* const s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t p = pos;
    const std::size_t n = text.size();
    while (p < n && is_space(s[p])) ++p;
    pos = p;
  }
  /// Moves over identifier bytes (never a newline).
  void skip_ident() {
    const unsigned char* const s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t p = pos;
    const std::size_t n = text.size();
    while (p < n && is_ident_char(s[p])) ++p;
    pos = p;
  }
  void skip_to_line_end() {
    const void* nl = done() ? nullptr : std::memchr(text.data() + pos, '\n', text.size() - pos);
    pos = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
  }
  /// 1-based column of `pos` in Unicode code points: UTF-8 continuation bytes (10xxxxxx) do not
  /// count. Amortised linear: the memo moves forward along the line.
  std::uint32_t column() {
    if (ascii < 0) ascii = is_ascii(text);
    if (ascii) return static_cast<std::uint32_t>(pos - line_begin + 1);
    if (memo_pos < line_begin || memo_pos > pos) {
      memo_pos = line_begin;
      memo_col = 1;
    }
    // Locals, not members, so the loop runs in registers; eight ASCII bytes count eight at once.
    const unsigned char* const s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t p = memo_pos;
    std::uint32_t col = memo_col;
    for (; p + 8 <= pos; p += 8) {
      std::uint64_t w;
      std::memcpy(&w, s + p, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        col += 8;
      } else {
        for (std::size_t k = 0; k < 8; ++k) col += (s[p + k] & 0xC0) != 0x80;
      }
    }
    for (; p < pos; ++p) col += (s[p] & 0xC0) != 0x80;
    memo_pos = p;
    memo_col = col;
    return col;
  }
};

/// Appends a token that starts at (line, column) and spans text[begin, end).
inline void emit(std::vector<Token>& out, TokenKind kind, std::string_view text, std::size_t begin, std::size_t end,
                 std::uint32_t line, std::uint32_t column, bool line_start) {
  out.push_back(Token{.kind = kind, .line_start = line_start, .line = line, .column = column, .text = text.substr(begin, end - begin)});
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
