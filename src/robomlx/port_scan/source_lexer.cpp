// SPDX-License-Identifier: Apache-2.0
// Which lexer reads which file, decided from the file name alone (no content sniffing: the walk
// must stay cheap on trees of thousands of files).
#include "robomlx/port_scan/source_lexer.h"

#include <algorithm>
#include <array>
#include <string>

namespace robomlx::port_scan {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

Language language_for_path(std::string_view path) {
  const std::size_t slash = path.find_last_of("/\\");
  const std::string name = lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (name == "setup.py") return Language::python_build;
  if (name == "cmakelists.txt" || ends_with(name, ".cmake")) return Language::cmake;
  if (name == "pyproject.toml" || name == "setup.cfg" || name == "pixi.toml") return Language::toml;
  if (name.rfind("requirements", 0) == 0 && ends_with(name, ".txt")) return Language::requirements;
  if (name == "config.pbtxt") return Language::pbtxt;
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos) return Language::none;
  const std::string ext = name.substr(dot + 1);
  if (ext == "py" || ext == "pyi") return Language::python;
  if (ext == "cu" || ext == "cuh") return Language::cuda;
  static constexpr std::array<std::string_view, 11> c_exts{"c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "inl", "ipp", "tpp"};
  if (std::find(c_exts.begin(), c_exts.end(), ext) != c_exts.end()) return Language::c_family;
  return Language::none;
}

const char* to_string(Language language) {
  switch (language) {
    case Language::python: return "python";
    case Language::python_build: return "setup.py";
    case Language::c_family: return "c/c++";
    case Language::cuda: return "cuda";
    case Language::cmake: return "cmake";
    case Language::toml: return "toml";
    case Language::requirements: return "requirements";
    case Language::pbtxt: return "pbtxt";
    case Language::none: break;
  }
  return "none";
}

std::vector<Token> lex_source(Language language, std::string_view text) {
  switch (language) {
    case Language::python:
    case Language::python_build: return lex_python(text);
    case Language::c_family:
    case Language::cuda: return lex_c_family(text);
    case Language::cmake: return lex_cmake(text);
    case Language::toml:
    case Language::requirements:
    case Language::pbtxt: return lex_hash_config(text);
    case Language::none: break;
  }
  return {};
}

void lex_source(Language language, std::string_view text, std::vector<Token>& out) {
  switch (language) {
    case Language::python:
    case Language::python_build: lex_python(text, out); return;
    case Language::c_family:
    case Language::cuda: lex_c_family(text, out); return;
    default: out = lex_source(language, text); return;  // build files: small, few
  }
}

std::vector<Token> lex_python(std::string_view text) {
  std::vector<Token> out;
  lex_python(text, out);
  return out;
}

std::vector<Token> lex_c_family(std::string_view text) {
  std::vector<Token> out;
  lex_c_family(text, out);
  return out;
}

}  // namespace robomlx::port_scan
