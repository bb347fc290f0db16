// SPDX-License-Identifier: Apache-2.0
// C / C++ / CUDA lexer: // and /* */ comments and `#if 0` blocks dropped; string and character
// literals (prefixes u8, u, U, L and raw R"d(...)d") become one string token; `#include` yields
// an include token with the header name; "<<<" stays one token (a kernel launch).
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "robomlx/port_scan/source_lexer_internal.h"

namespace robomlx::port_scan {

namespace {
using detail::Cursor;

bool is_encoding_prefix(std::string_view w) { return w == "u8" || w == "u" || w == "U" || w == "L"; }
bool is_raw_prefix(std::string_view w) { return w == "R" || w == "u8R" || w == "uR" || w == "UR" || w == "LR"; }

// Cursor on the opening quote of "..." or '...'; a newline ends an unterminated literal.
// Scans bytes without bookkeeping; Cursor::jump counts a newline a backslash protects.
std::pair<std::size_t, std::size_t> read_quoted(Cursor& c) {
  const std::string_view t = c.text;
  const char q = t[c.pos];
  const std::size_t begin = c.pos + 1;
  std::size_t p = begin;
  while (p < t.size() && t[p] != q && t[p] != '\n') p = t[p] == '\\' ? std::min(p + 2, t.size()) : p + 1;
  c.jump(p);
  if (p < t.size() && t[p] == q) c.advance();
  return {begin, p};
}

// Cursor on the quote of R"delim( ... )delim".
std::pair<std::size_t, std::size_t> read_raw(Cursor& c) {
  c.advance();
  const std::size_t delim_begin = c.pos;
  while (!c.done() && c.peek() != '(' && c.peek() != '\n' && c.pos - delim_begin < 16) c.advance();
  std::string closing(1, ')');  // appended, not ")" + ...: GCC 12 warns wrongly on that (-Wrestrict)
  closing.append(c.text.substr(delim_begin, c.pos - delim_begin)).push_back('"');
  c.advance();
  const std::size_t begin = c.pos;
  const std::size_t end = c.text.find(closing, begin);
  if (end == std::string_view::npos) {
    c.advance(c.text.size() - c.pos);
    return {begin, c.text.size()};
  }
  c.advance(end + closing.size() - c.pos);
  return {begin, end};
}

void skip_block_comment(Cursor& c) {
  const std::size_t end = c.text.find("*/", c.pos + 2);
  c.jump(end == std::string_view::npos ? c.text.size() : end + 2);
}

// A line comment goes on over a backslash-newline, as the preprocessor joins lines first.
void skip_line_comment(Cursor& c) {
  const std::size_t start = c.pos;
  for (;;) {
    c.skip_to_line_end();
    if (c.done() || c.pos == start || c.text[c.pos - 1] != '\\') return;
    c.advance();  // the joined newline
  }
}

std::string_view read_word(Cursor& c) {
  const std::size_t begin = c.pos;
  c.skip_ident();
  return c.text.substr(begin, c.pos - begin);
}

void skip_spaces(Cursor& c) {
  while (!c.done() && detail::is_space(c.peek())) ++c.pos;  // never a newline
}

// After "#if 0": skips to the matching #else / #elif / #endif (nested #if counted).
void skip_if_zero(Cursor& c) {
  int depth = 0;
  while (!c.done()) {
    c.skip_to_line_end();
    c.advance();
    skip_spaces(c);
    if (c.peek() != '#') continue;
    c.advance();
    skip_spaces(c);
    const std::string_view d = read_word(c);
    if (d == "if" || d == "ifdef" || d == "ifndef") ++depth;
    else if (d == "endif" && depth-- == 0) return;
    else if ((d == "else" || d == "elif") && depth == 0) return;
  }
}

// Cursor just after '#' at a line start. Emits an include token for #include / #import and
// drops #if 0 blocks; every other directive's tokens are lexed as code (macros are code).
void read_directive(Cursor& c, std::vector<Token>& out) {
  skip_spaces(c);
  const std::string_view name = read_word(c);
  if (name == "include" || name == "include_next" || name == "import") {
    skip_spaces(c);
    const unsigned char open = c.peek();
    if (open != '<' && open != '"') return;
    const unsigned char close = open == '<' ? '>' : '"';
    const std::uint32_t line = c.line, column = c.column();
    c.advance();
    const std::size_t begin = c.pos;
    while (!c.done() && c.peek() != close && c.peek() != '\n') c.advance();
    detail::emit(out, TokenKind::include, c.text, begin, c.pos, line, column, false);
    c.skip_to_line_end();
  } else if (name == "if") {
    skip_spaces(c);
    if (c.peek() == '0' && !detail::is_ident_char(c.peek(1))) skip_if_zero(c);
  } else if (name == "error" || name == "warning" || name == "pragma" || name == "line") {
    skip_line_comment(c);  // free text (an #error message is prose), one logical line
  }
}
}  // namespace

void lex_c_family(std::string_view text, std::vector<Token>& out) {
  out.clear();
  out.reserve(text.size() / 6);
  Cursor c{text};
  bool line_start = true;
  while (!c.done()) {
    const unsigned char ch = c.peek();
    if (ch == '\n') {
      line_start = true;
      c.advance();
      continue;
    }
    if (detail::is_space(ch)) {
      c.skip_spaces();  // never a newline
      continue;
    }
    if (ch == '\\' && c.peek(1) == '\n') {
      c.advance(2);
      continue;
    }
    if (ch == '/' && c.peek(1) == '/') {
      skip_line_comment(c);
      continue;
    }
    if (ch == '/' && c.peek(1) == '*') {
      skip_block_comment(c);
      continue;
    }
    if (ch == '#' && line_start) {
      c.advance();
      read_directive(c, out);
      continue;
    }
    const std::uint32_t line = c.line, column = c.column();
    const std::size_t begin = c.pos;
    if (ch == '"' || ch == '\'') {
      auto [b, e] = read_quoted(c);
      detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
    } else if (detail::is_ident_start(ch)) {
      const std::string_view word = read_word(c);
      if (c.peek() == '"' && is_raw_prefix(word)) {
        auto [b, e] = read_raw(c);
        detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
      } else if ((c.peek() == '"' || c.peek() == '\'') && is_encoding_prefix(word)) {
        auto [b, e] = read_quoted(c);
        detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
      } else {
        detail::emit(out, TokenKind::identifier, text, begin, c.pos, line, column, line_start);
      }
    } else if (detail::is_digit(ch) || (ch == '.' && detail::is_digit(c.peek(1)))) {
      detail::skip_number(c);
      detail::emit(out, TokenKind::number, text, begin, c.pos, line, column, line_start);
    } else {
      std::size_t n = 1;
      if (c.starts_with("<<<") || c.starts_with(">>>")) n = 3;
      else if (c.starts_with("::") || c.starts_with("->")) n = 2;
      c.advance(n);
      detail::emit(out, TokenKind::punct, text, begin, c.pos, line, column, line_start);
    }
    line_start = false;
  }
}

}  // namespace robomlx::port_scan
