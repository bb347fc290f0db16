// SPDX-License-Identifier: Apache-2.0
// Small hand-written lexers for the languages port-scan reads. They drop comments (and Python
// docstrings, CMake message() text) but keep every token's line and column, so rules match code,
// never prose: `torch.cuda` in a comment or a docstring is no finding. String literals stay, as one
// token holding their contents, because some blockers live in them ("cuda", "/dev/video0",
// "nvidia-smi", "cupy-cuda12x"); rules decide which strings count.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace robomlx::port_scan {

/// What a file is read as. `python_build` is setup.py (Python tokens, plus dependency strings);
/// `cuda` is .cu / .cuh (C++ tokens; kernels and launches expected).
enum class Language : std::uint8_t { none, python, python_build, c_family, cuda, cmake, toml, requirements, pbtxt };

/// The language of a file from its name alone ("setup.py", "CMakeLists.txt", "x.cuh"...);
/// Language::none for files port-scan does not read.
Language language_for_path(std::string_view path);

const char* to_string(Language language);

enum class TokenKind : std::uint8_t {
  identifier,  // names and keywords; CMake / TOML bare words (may hold '-', '.', '$', '{'...)
  number,
  string,      // a literal's contents without prefix and quotes (escapes kept as written)
  punct,       // one character, or one of "::", "->", "<<<", ">>>", "**"
  include,     // C/C++ `#include <x>` / `"x"`: the header name
};

struct Token {
  TokenKind kind = TokenKind::punct;
  bool line_start = false;  // first token of its logical line (Python: after NEWLINE at depth 0)
  // Python: a token of an f-string's {...} expression, lexed as code after the f-string's own
  // string token (which still holds the whole literal); it goes wherever that string goes.
  // (Placed here, it keeps a Token at 32 bytes.)
  bool in_fstring = false;
  std::uint32_t line = 0;   // 1-based
  std::uint32_t column = 0; // 1-based, in Unicode code points (SARIF "unicodeCodePoints")
  std::string_view text;    // views the file's buffer: keep the buffer alive while tokens live
};

/// The tokens of `text` read as `language` (none: no tokens). Never throws on malformed input:
/// an unterminated string or comment runs to the end of the file.
std::vector<Token> lex_source(Language language, std::string_view text);
/// The same into `out` (cleared first): a scan reuses one vector per thread, so its memory is
/// allocated and faulted in once, not per file.
void lex_source(Language language, std::string_view text, std::vector<Token>& out);

// One lexer per family (source_lexer_python.cpp, source_lexer_c.cpp, source_lexer_build.cpp).
std::vector<Token> lex_python(std::string_view text);
void lex_python(std::string_view text, std::vector<Token>& out);
std::vector<Token> lex_c_family(std::string_view text);
void lex_c_family(std::string_view text, std::vector<Token>& out);
std::vector<Token> lex_cmake(std::string_view text);
/// TOML, requirements.txt and protobuf text (config.pbtxt): '#' comments, quoted strings, words.
std::vector<Token> lex_hash_config(std::string_view text);

}  // namespace robomlx::port_scan
