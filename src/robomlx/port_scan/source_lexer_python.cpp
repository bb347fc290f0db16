// SPDX-License-Identifier: Apache-2.0
// Python lexer: '#' comments dropped; strings with any prefix (r, b, u, f and pairs) and triple
// quotes become one string token; logical lines follow Python's rules (brackets and a trailing
// backslash join lines) so `line_start` marks statements. A string that is a statement on its own
// (a docstring, or a string used as a block comment) is dropped: it is prose, not code.
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "robomlx/port_scan/source_lexer_internal.h"

namespace robomlx::port_scan {

namespace {
using detail::Cursor;

bool is_string_prefix(std::string_view word) {
  if (word.empty() || word.size() > 2) return false;
  for (char ch : word) {
    switch (ch) {
      case 'r': case 'R': case 'b': case 'B': case 'u': case 'U': case 'f': case 'F': break;
      default: return false;
    }
  }
  return true;
}

// Reads a string body after its prefix; the cursor sits on the opening quote. Returns the
// contents' [begin, end). A backslash always protects the next character (raw strings included:
// r"\"" does not end at the second quote). A single-quoted string stops at a newline.
std::pair<std::size_t, std::size_t> read_string(Cursor& c) {
  const unsigned char q = c.peek();
  const bool triple = c.peek(1) == q && c.peek(2) == q;
  c.advance(triple ? 3 : 1);
  const std::size_t begin = c.pos;
  while (!c.done()) {
    const unsigned char ch = c.peek();
    if (ch == '\\') {
      c.advance(2);
    } else if (ch == q && (!triple || (c.peek(1) == q && c.peek(2) == q))) {
      const std::size_t end = c.pos;
      c.advance(triple ? 3 : 1);
      return {begin, end};
    } else if (ch == '\n' && !triple) {
      return {begin, c.pos};
    } else {
      c.advance();
    }
  }
  return {begin, c.pos};
}

// Drops strings that form a whole statement: a run of adjacent string tokens that starts a
// logical line and is followed by the next logical line (or the end).
std::vector<Token> drop_docstrings(std::vector<Token>&& tokens) {
  std::vector<Token> out;
  out.reserve(tokens.size());
  for (std::size_t i = 0; i < tokens.size();) {
    if (tokens[i].kind == TokenKind::string && tokens[i].line_start) {
      std::size_t j = i + 1;
      while (j < tokens.size() && tokens[j].kind == TokenKind::string && !tokens[j].line_start) ++j;
      if (j == tokens.size() || tokens[j].line_start) {
        i = j;
        continue;
      }
    }
    out.push_back(tokens[i++]);
  }
  return out;
}
}  // namespace

std::vector<Token> lex_python(std::string_view text) {
  std::vector<Token> out;
  out.reserve(text.size() / 6);
  Cursor c{text};
  int depth = 0;
  bool line_start = true;
  while (!c.done()) {
    const unsigned char ch = c.peek();
    if (ch == '\n') {
      if (depth == 0) line_start = true;
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
    if (ch == '\\' && (c.peek(1) == '\n' || (c.peek(1) == '\r' && c.peek(2) == '\n'))) {
      c.advance(c.peek(1) == '\n' ? 2 : 3);  // explicit line joining: the statement goes on
      continue;
    }
    const std::uint32_t line = c.line, column = c.column;
    const std::size_t begin = c.pos;
    if (ch == '"' || ch == '\'') {
      auto [b, e] = read_string(c);
      detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
    } else if (detail::is_ident_start(ch)) {
      while (!c.done() && detail::is_ident_char(c.peek())) c.advance();
      const std::string_view word = text.substr(begin, c.pos - begin);
      if ((c.peek() == '"' || c.peek() == '\'') && is_string_prefix(word)) {
        auto [b, e] = read_string(c);
        detail::emit(out, TokenKind::string, text, b, e, line, column, line_start);
      } else {
        detail::emit(out, TokenKind::identifier, text, begin, c.pos, line, column, line_start);
      }
    } else if (detail::is_digit(ch) || (ch == '.' && detail::is_digit(c.peek(1)))) {
      detail::skip_number(c);
      detail::emit(out, TokenKind::number, text, begin, c.pos, line, column, line_start);
    } else {
      const bool two = (ch == '*' && c.peek(1) == '*') || (ch == '-' && c.peek(1) == '>');
      c.advance(two ? 2 : 1);
      if (ch == '(' || ch == '[' || ch == '{') ++depth;
      if ((ch == ')' || ch == ']' || ch == '}') && depth > 0) --depth;
      detail::emit(out, TokenKind::punct, text, begin, c.pos, line, column, line_start);
    }
    line_start = false;
  }
  return drop_docstrings(std::move(out));
}

}  // namespace robomlx::port_scan
