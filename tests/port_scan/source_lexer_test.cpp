// SPDX-License-Identifier: Apache-2.0
// The lexers: positions (line, code-point column), what is dropped (comments, docstrings, #if 0,
// CMake message()), what is kept (strings as one token, include names), and hostile input that must
// not crash (unterminated strings and comments, lone backslashes, NUL-free garbage).
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan {
namespace {

std::vector<std::string> texts(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) out.emplace_back(t.text);
  return out;
}

TEST(SourceLexer, LanguageFromName) {
  EXPECT_EQ(language_for_path("a/b/setup.py"), Language::python_build);
  EXPECT_EQ(language_for_path("x.py"), Language::python);
  EXPECT_EQ(language_for_path("k.cu"), Language::cuda);
  EXPECT_EQ(language_for_path("k.CUH"), Language::cuda);
  EXPECT_EQ(language_for_path("a.hpp"), Language::c_family);
  EXPECT_EQ(language_for_path("CMakeLists.txt"), Language::cmake);
  EXPECT_EQ(language_for_path("cmake/FindX.cmake"), Language::cmake);
  EXPECT_EQ(language_for_path("pyproject.toml"), Language::toml);
  EXPECT_EQ(language_for_path("requirements-dev.txt"), Language::requirements);
  EXPECT_EQ(language_for_path("models/resnet/config.pbtxt"), Language::pbtxt);
  EXPECT_EQ(language_for_path("README.md"), Language::none);
  EXPECT_EQ(language_for_path("notes.txt"), Language::none);
}

TEST(SourceLexer, PythonPositionsCountCodePoints) {
  const auto t = lex_python("s = \"héé\"; x.cuda()\n  y\n");
  ASSERT_EQ(texts(t), (std::vector<std::string>{"s", "=", "héé", ";", "x", ".", "cuda", "(", ")", "y"}));
  EXPECT_EQ(t[4].line, 1u);
  EXPECT_EQ(t[4].column, 12u);  // "é" is one column though two bytes
  EXPECT_EQ(t[9].line, 2u);
  EXPECT_EQ(t[9].column, 3u);
  EXPECT_TRUE(t[0].line_start);
  EXPECT_TRUE(t[9].line_start);
  EXPECT_FALSE(t[4].line_start);
}

TEST(SourceLexer, PythonDropsCommentsAndDocstringsButKeepsValueStrings) {
  const auto t = lex_python(
      "'''module doc: torch.cuda'''\n"
      "def f():\n"
      "    \"\"\"doc: x.cuda()\"\"\"\n"
      "    'another statement string'\n"
      "    return g(\"cuda\")  # torch.cuda\n");
  EXPECT_EQ(texts(t), (std::vector<std::string>{"def", "f", "(", ")", ":", "return", "g", "(", "cuda", ")"}));
}

TEST(SourceLexer, PythonStringPrefixesAndBrackets) {
  const auto t = lex_python("a = (rb'x\\'y'\n     f\"{z}\")\nb = u'q'\n");
  ASSERT_EQ(texts(t), (std::vector<std::string>{"a", "=", "(", "x\\'y", "{z}", "z", ")", "b", "=", "q"}));
  EXPECT_FALSE(t[4].line_start);  // inside brackets the statement goes on
  EXPECT_TRUE(t[5].in_fstring);   // the f-string's field, after its string token
  EXPECT_TRUE(t[7].line_start);
}

// f-string replacement fields are code: a conversion (!r) or a format spec (:>{w}) ends the
// expression, a spec's own fields are code, {{ }} are literal, and a field may hold strings
// (with the outer quote too, as Python 3.12 allows) without ending the f-string.
TEST(SourceLexer, PythonFStringFieldsAreCode) {
  const auto t = lex_python("s = f\"n={torch.cuda.device_count()!r:>{w}} {{torch.cuda}}\" + x\n");
  ASSERT_EQ(texts(t), (std::vector<std::string>{"s", "=", "n={torch.cuda.device_count()!r:>{w}} {{torch.cuda}}", "torch",
                                                ".", "cuda", ".", "device_count", "(", ")", "w", "+", "x"}));
  EXPECT_FALSE(t[2].in_fstring);
  EXPECT_TRUE(t[3].in_fstring);
  EXPECT_EQ(t[3].column, 10u);
  EXPECT_FALSE(t[11].in_fstring);

  const auto n = lex_python("a = f\"{d[\"k\"]:{'w'}}\"; b = rf'''{\n  y!s}'''\n");
  ASSERT_EQ(texts(n), (std::vector<std::string>{"a", "=", "{d[\"k\"]:{'w'}}", "d", "[", "k", "]", "w", ";", "b", "=",
                                                "{\n  y!s}", "y"}));
  EXPECT_EQ(n[12].line, 2u);

  // A lone f-string statement is dropped with its fields, as any string statement; != inside a
  // field is an operator, not a conversion.
  EXPECT_EQ(texts(lex_python("f\"{torch.cuda}\"\nz = f'{a != b}'\n")),
            (std::vector<std::string>{"z", "=", "{a != b}", "a", "!", "=", "b"}));
}

TEST(SourceLexer, CDropsCommentsAndIfZeroKeepsIncludes) {
  const auto t = lex_c_family(
      "#include <cuda_runtime.h>\n"
      "// cudaMalloc\n"
      "/* multi\n line */ int a; // tail\n"
      "#if 0\nint dropped;\n#if 1\nint nested;\n#endif\n#else\nint kept;\n#endif\n"
      "auto s = u8\"x\"; auto r = R\"d(raw \" text)d\"; k<<<1, 2>>>(); a::b;\n");
  const auto w = texts(t);
  EXPECT_EQ(t[0].kind, TokenKind::include);
  EXPECT_EQ(w[0], "cuda_runtime.h");
  EXPECT_EQ(std::count(w.begin(), w.end(), "dropped"), 0);
  EXPECT_EQ(std::count(w.begin(), w.end(), "nested"), 0);
  EXPECT_EQ(std::count(w.begin(), w.end(), "kept"), 1);
  EXPECT_EQ(std::count(w.begin(), w.end(), "raw \" text"), 1);
  EXPECT_EQ(std::count(w.begin(), w.end(), "<<<"), 1);
  EXPECT_EQ(std::count(w.begin(), w.end(), "::"), 1);
  EXPECT_EQ(std::count(w.begin(), w.end(), "cudaMalloc"), 0);
}

TEST(SourceLexer, CMakeDropsMessagesAndBracketComments) {
  const auto t = lex_cmake("message(STATUS \"CUDA ${X}\")\n#[[ enable_language(CUDA) ]]\nset(A \"-arch=sm_80\") # CUDA\n");
  EXPECT_EQ(texts(t), (std::vector<std::string>{"set", "(", "A", "-arch=sm_80", ")"}));
}

TEST(SourceLexer, HashConfigWordsKeepDashesAndDots) {
  const auto t = lex_hash_config("cupy-cuda12x==13.0  # pinned\nname: \"resnet\"\n");
  EXPECT_EQ(texts(t), (std::vector<std::string>{"cupy-cuda12x", "=", "=", "13.0", "name", ":", "resnet"}));
}

TEST(SourceLexer, HostileInputNeverCrashes) {
  for (const std::string s : {"\"unterminated", "'''never closed", "/* open", "R\"d(raw", "#if 0\n", "\\", "#[[x",
                              "#include <", "a = f\"{\n", "\xff\xfe\x80", "#", "[=[", "@"}) {
    for (Language l : {Language::python, Language::c_family, Language::cmake, Language::toml}) {
      EXPECT_NO_THROW(lex_source(l, s)) << s;
    }
  }
  std::mt19937 rng(7);  // random bytes over the characters the lexers treat specially
  const std::string alphabet = "\"'\\/#*[]=(){}<>:.\n \tRu8xcuda_\x80\xc3";
  for (int i = 0; i < 300; ++i) {
    std::string s(static_cast<std::size_t>(rng() % 200), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    for (Language l : {Language::python, Language::cuda, Language::cmake, Language::pbtxt}) {
      const auto tokens = lex_source(l, s);
      for (const Token& t : tokens) {
        ASSERT_GE(t.text.data(), s.data());
        ASSERT_LE(t.text.data() + t.text.size(), s.data() + s.size());
      }
    }
  }
}

}  // namespace
}  // namespace robomlx::port_scan
