// SPDX-License-Identifier: Apache-2.0
// Lexers for build and config files. CMake: '#' and bracket comments dropped, quoted and bracket
// arguments become strings, and the arguments of message() are dropped (they are text for people,
// "CUDA not found" is no blocker). TOML, requirements.txt and config.pbtxt: '#' comments dropped,
// quoted strings, words of name characters (package names keep their '-' and '.').
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "robomlx/port_scan/source_lexer_internal.h"

namespace robomlx::port_scan {

namespace {
using detail::Cursor;

// Cursor on '[' of "[[" or "[=*[": the '=' count when it opens a bracket, else -1.
int bracket_level(const Cursor& c) {
  if (c.peek() != '[') return -1;
  std::size_t i = 1;
  while (c.peek(i) == '=') ++i;
  return c.peek(i) == '[' ? static_cast<int>(i - 1) : -1;
}

// Skips a bracket argument or comment; returns its contents' [begin, end).
std::pair<std::size_t, std::size_t> read_bracket(Cursor& c, int level) {
  c.advance(static_cast<std::size_t>(level) + 2);
  const std::size_t begin = c.pos;
  std::string closing(static_cast<std::size_t>(level) + 2, '=');  // "]==]"; not "]" + ...: GCC 12 warns wrongly on that
  closing.front() = closing.back() = ']';
  const std::size_t end = c.text.find(closing, begin);
  const std::size_t stop = end == std::string_view::npos ? c.text.size() : end + closing.size();
  c.advance(stop - c.pos);
  return {begin, end == std::string_view::npos ? c.text.size() : end};
}

std::pair<std::size_t, std::size_t> read_quoted(Cursor& c, bool escapes) {
  const unsigned char q = c.peek();
  const bool triple = c.peek(1) == q && c.peek(2) == q;
  c.advance(triple ? 3 : 1);
  const std::size_t begin = c.pos;
  while (!c.done()) {
    const unsigned char ch = c.peek();
    if (ch == '\\' && escapes) {
      c.advance(2);
    } else if (ch == q && (!triple || (c.peek(1) == q && c.peek(2) == q))) {
      const std::size_t end = c.pos;
      c.advance(triple ? 3 : 1);
      return {begin, end};
    } else {
      c.advance();
    }
  }
  return {begin, c.pos};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// Drops `message( ... )` with its arguments.
std::vector<Token> drop_messages(std::vector<Token>&& tokens) {
  std::vector<Token> out;
  out.reserve(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind == TokenKind::identifier && iequals(tokens[i].text, "message") && i + 1 < tokens.size() &&
        tokens[i + 1].text == "(") {
      int depth = 0;
      for (++i; i < tokens.size(); ++i) {
        if (tokens[i].kind != TokenKind::punct) continue;
        if (tokens[i].text == "(") ++depth;
        if (tokens[i].text == ")" && --depth == 0) break;
      }
      continue;
    }
    out.push_back(tokens[i]);
  }
  return out;
}
}  // namespace

std::vector<Token> lex_cmake(std::string_view text) {
  std::vector<Token> out;
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
      c.advance();
      continue;
    }
    if (ch == '#') {
      c.advance();
      const int level = bracket_level(c);
      if (level >= 0) read_bracket(c, level);
      else c.skip_to_line_end();
      continue;
    }
    const std::uint32_t line = c.line, column = c.column();
    const std::size_t begin = c.pos;
    const int level = bracket_level(c);
    if (ch == '"' || level >= 0) {
      auto [b, e] = level >= 0 ? read_bracket(c, level) : read_quoted(c, true);
      detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
    } else if (ch == '(' || ch == ')') {
      c.advance();
      detail::emit(out, TokenKind::punct, text, begin, c.pos, line, column, line_start);
    } else {
      while (!c.done()) {
        const unsigned char w = c.peek();
        if (detail::is_space(w) || w == '\n' || w == '(' || w == ')' || w == '#' || w == '"') break;
        c.advance(w == '\\' ? 2 : 1);
      }
      detail::emit(out, TokenKind::identifier, text, begin, c.pos, line, column, line_start);
    }
    line_start = false;
  }
  return drop_messages(std::move(out));
}

std::vector<Token> lex_hash_config(std::string_view text) {
  std::vector<Token> out;
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
      c.advance();
      continue;
    }
    if (ch == '#') {
      c.skip_to_line_end();
      continue;
    }
    const std::uint32_t line = c.line, column = c.column();
    const std::size_t begin = c.pos;
    if (ch == '"' || ch == '\'') {
      auto [b, e] = read_quoted(c, ch == '"');
      detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
    } else if (detail::is_ident_char(ch)) {
      while (!c.done() && (detail::is_ident_char(c.peek()) || c.peek() == '-' || c.peek() == '.')) c.advance();
      detail::emit(out, TokenKind::identifier, text, begin, c.pos, line, column, line_start);
    } else {
      c.advance();
      detail::emit(out, TokenKind::punct, text, begin, c.pos, line, column, line_start);
    }
    line_start = false;
  }
  return out;
}

}  // namespace robomlx::port_scan
