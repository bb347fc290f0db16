// SPDX-License-Identifier: Apache-2.0
// Python lexer: '#' comments dropped; strings with any prefix (r, b, u, f and pairs) and triple
// quotes become one string token; logical lines follow Python's rules (brackets and a trailing
// backslash join lines) so `line_start` marks statements. A string that is a statement on its own
// (a docstring, or a string used as a block comment) is dropped: it is prose, not code.
// An f-string's replacement fields ({expr!r:spec}) are code: after the f-string's string token
// come the tokens of each field's expression (and of fields nested in its format spec), so
// f"{torch.cuda.device_count()}" is found; {{ and }} are literal braces.
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "robomlx/port_scan/source_lexer_internal.h"

namespace robomlx::port_scan {

namespace {
using detail::Cursor;

// 0: no string prefix; 1: a prefix; 2: a prefix with f (an f-string).
int string_prefix(std::string_view word) {
  if (word.empty() || word.size() > 2) return 0;
  int kind = 1;
  for (char ch : word) {
    switch (ch) {
      case 'r': case 'R': case 'b': case 'B': case 'u': case 'U': break;
      case 'f': case 'F': kind = 2; break;
      default: return 0;
    }
  }
  return kind;
}

struct Lexer {
  Cursor c;
  std::vector<Token> out;
  bool fstring_code = false;  // emitting an f-string field's tokens

  void emit(TokenKind kind, std::size_t b, std::size_t e, std::uint32_t line, std::uint32_t column, bool line_start) {
    detail::emit(out, kind, c.text, b, e, line, column, line_start);
    out.back().in_fstring = fstring_code;
  }

  // A plain string body; the cursor sits on the opening quote. Returns the contents' [begin,
  // end). A backslash always protects the next character (raw strings included: r"\"" does not
  // end at the second quote). A single-quoted string stops at a newline. Scans bytes without
  // bookkeeping; Cursor::jump counts the newlines crossed.
  std::pair<std::size_t, std::size_t> read_string() {
    const std::string_view t = c.text;
    const char q = t[c.pos];
    const bool triple = c.peek(1) == q && c.peek(2) == q;
    const std::size_t begin = c.pos + (triple ? 3 : 1);
    for (std::size_t p = begin; p < t.size();) {
      const char ch = t[p];
      if (ch == '\\') {
        p = std::min(p + 2, t.size());
      } else if (ch == q && (!triple || (p + 2 < t.size() && t[p + 1] == q && t[p + 2] == q))) {
        c.jump(p + (triple ? 3 : 1));
        return {begin, p};
      } else if (ch == '\n' && !triple) {
        c.jump(p);
        return {begin, p};
      } else {
        ++p;
      }
    }
    c.jump(t.size());
    return {begin, t.size()};
  }

  // An f-string body: as read_string, but '{' opens a replacement field read as code, so a quote
  // inside a field (a nested string, legal since Python 3.12) does not end the f-string.
  std::pair<std::size_t, std::size_t> read_fstring() {
    const std::string_view t = c.text;
    const char q = t[c.pos];
    const bool triple = c.peek(1) == q && c.peek(2) == q;
    c.advance(triple ? 3 : 1);
    const std::size_t begin = c.pos;
    while (!c.done()) {
      const char ch = t[c.pos];
      if (ch == '\\') {
        c.advance(2);
      } else if (ch == q && (!triple || (c.peek(1) == static_cast<unsigned char>(q) && c.peek(2) == static_cast<unsigned char>(q)))) {
        const std::size_t end = c.pos;
        c.advance(triple ? 3 : 1);
        return {begin, end};
      } else if (ch == '\n' && !triple) {
        return {begin, c.pos};
      } else if (ch == '{' && c.peek(1) == '{') {
        c.advance(2);  // a literal brace
      } else if (ch == '{') {
        c.advance();
        read_field(triple);
      } else {
        c.advance();
      }
    }
    return {begin, c.pos};
  }

  // After a field's '{': the expression as code up to '!', ':' or '}' at bracket depth 0, then a
  // conversion (!r) and a format spec, whose own {fields} are code too. A single-quoted f-string's
  // field stops at a newline, so a malformed field cannot swallow the rest of the file.
  void read_field(bool triple) {
    const bool outer = fstring_code;
    fstring_code = true;
    int depth = 0;
    while (!c.done()) {
      const unsigned char ch = c.peek();
      if (ch == '\n' && !triple) break;
      if (depth == 0 && (ch == '}' || ch == ':' || (ch == '!' && c.peek(1) != '='))) break;
      if (!lex_token(depth, false)) c.advance();  // whitespace: nothing to emit; lex_token counts brackets
    }
    if (c.peek() == '!') {  // conversion: !r, !s, !a
      c.advance();
      c.skip_ident();
    }
    if (c.peek() == ':') {  // format spec: literal text with nested {fields}
      c.advance();
      while (!c.done() && c.peek() != '}' && !(c.peek() == '\n' && !triple)) {
        if (c.peek() == '{') {
          c.advance();
          read_field(triple);
        } else {
          c.advance();
        }
      }
    }
    if (c.peek() == '}') c.advance();
    fstring_code = outer;
  }

  // One token at the cursor (strings, names, numbers, punctuation); false at whitespace, a
  // comment or a line join, which the caller handles. `depth` tracks brackets for the caller.
  bool lex_token(int& depth, bool line_start) {
    const unsigned char ch = c.peek();
    if (detail::is_space(ch) || ch == '\n' || ch == '#' || ch == '\\') return false;
    const std::uint32_t line = c.line, column = c.column();
    const std::size_t begin = c.pos;
    if (ch == '"' || ch == '\'') {
      auto [b, e] = read_string();
      emit(TokenKind::string, b, e, line, column, line_start);
    } else if (detail::is_ident_start(ch)) {
      c.skip_ident();
      const std::string_view word = c.text.substr(begin, c.pos - begin);
      const int prefix = (c.peek() == '"' || c.peek() == '\'') ? string_prefix(word) : 0;
      if (prefix == 2) {
        const std::size_t at = out.size();
        emit(TokenKind::string, 0, 0, line, column, line_start);  // placed first, filled below
        auto [b, e] = read_fstring();
        out[at].text = c.text.substr(b, e - b);
      } else if (prefix == 1) {
        auto [b, e] = read_string();
        emit(TokenKind::string, b, e, line, column, line_start);
      } else {
        emit(TokenKind::identifier, begin, c.pos, line, column, line_start);
      }
    } else if (detail::is_digit(ch) || (ch == '.' && detail::is_digit(c.peek(1)))) {
      detail::skip_number(c);
      emit(TokenKind::number, begin, c.pos, line, column, line_start);
    } else {
      const bool two = (ch == '*' && c.peek(1) == '*') || (ch == '-' && c.peek(1) == '>');
      c.advance(two ? 2 : 1);
      if (ch == '(' || ch == '[' || ch == '{') ++depth;
      if ((ch == ')' || ch == ']' || ch == '}') && depth > 0) --depth;
      emit(TokenKind::punct, begin, c.pos, line, column, line_start);
    }
    return true;
  }
};

// Drops strings that form a whole statement: a run of adjacent string tokens (with their
// f-string field tokens) that starts a logical line and is followed by the next logical line
// (or the end). Compacts in place.
void drop_docstrings(std::vector<Token>& tokens) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < tokens.size();) {
    if (tokens[i].kind == TokenKind::string && tokens[i].line_start) {
      std::size_t j = i + 1;
      while (j < tokens.size() && !tokens[j].line_start && (tokens[j].kind == TokenKind::string || tokens[j].in_fstring)) ++j;
      if (j == tokens.size() || tokens[j].line_start) {
        i = j;
        continue;
      }
    }
    tokens[w++] = tokens[i++];
  }
  tokens.resize(w);
}
}  // namespace

void lex_python(std::string_view text, std::vector<Token>& out) {
  Lexer lx{Cursor{text}, {}};
  lx.out.swap(out);
  lx.out.clear();
  lx.out.reserve(text.size() / 6);
  Cursor& c = lx.c;
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
      c.skip_spaces();  // never a newline
      continue;
    }
    if (ch == '#') {
      c.skip_to_line_end();
      continue;
    }
    if (ch == '\\') {
      if (c.peek(1) == '\n' || (c.peek(1) == '\r' && c.peek(2) == '\n')) {
        c.advance(c.peek(1) == '\n' ? 2 : 3);  // explicit line joining: the statement goes on
        continue;
      }
    }
    if (!lx.lex_token(depth, line_start)) {  // a stray backslash: one punctuation token
      const std::uint32_t line = c.line, column = c.column();
      const std::size_t begin = c.pos;
      c.advance();
      lx.emit(TokenKind::punct, begin, c.pos, line, column, line_start);
    }
    line_start = false;
  }
  drop_docstrings(lx.out);
  out.swap(lx.out);
}

}  // namespace robomlx::port_scan
