// SPDX-License-Identifier: Apache-2.0
// The file prefilter (scan_prefilter.h) may only skip files that give no finding. Proved two
// ways: every fixture line and snippet below gives the same findings whether or not the filter
// runs first (scan_text always filters; lex + match is the unfiltered reference), and files with
// no literal at all, only some of a rule's literals, or a look-alike inside a longer identifier
// ("slice", "mytorch_cuda_ok") are skipped, while a literal inside a comment lets the file through
// (the lexer then drops it).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "robomlx/port_scan/kernel_classes.h"
#include "robomlx/port_scan/scan_prefilter.h"
#include "robomlx/port_scan/scan_rules.h"
#include "robomlx/port_scan/scan_tree.h"
#include "support.h"

namespace robomlx::port_scan {
namespace {

namespace fs = std::filesystem;

// Findings as (line, column, rule) without the filter: the lexer and the matchers directly.
std::vector<std::string> unfiltered(Language lang, std::string_view text) {
  const std::vector<Token> tokens = lex_source(lang, text);
  std::vector<std::string> out;
  for (const RuleHit& h : match_rules(lang, tokens))
    out.push_back(std::to_string(tokens[h.token].line) + ":" + std::to_string(tokens[h.token].column) + " " + std::string(h.rule->id));
  for (const KernelSite& k : find_kernels(lang, tokens))
    out.push_back(std::to_string(tokens[k.name_token].line) + ":" + std::to_string(tokens[k.name_token].column) + " kernel");
  if (lang == Language::pbtxt && !tokens.empty())
    out.push_back(std::to_string(tokens[0].line) + ":" + std::to_string(tokens[0].column) + " server.model-repository");
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> filtered(Language lang, std::string_view text) {
  std::vector<std::string> out;
  for (const Finding& f : scan_text("x", lang, text))
    out.push_back(std::to_string(f.line) + ":" + std::to_string(f.column) + " " +
                  (f.kernel_class.empty() ? f.rule_id : "kernel"));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Prefilter, SameFindingsAsUnfilteredOnFixturesAndSnippets) {
  std::vector<std::pair<Language, std::string>> cases;
  // Each fixture line alone (most lines hold one construct, so the file-level literal that lets
  // the whole fixture through is gone) and each fixture whole.
  for (const auto& e : fs::recursive_directory_iterator(fs::path(test::source_dir()) / "tests/data/port_scan")) {
    if (!e.is_regular_file()) continue;
    const Language lang = language_for_path(e.path().string());
    if (lang == Language::none) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    cases.emplace_back(lang, s.str());
    std::istringstream lines(s.str());
    for (std::string line; std::getline(lines, line);) {
      const std::size_t hash = line.find("  # expect"), slash = line.find("  // expect");
      cases.emplace_back(lang, line.substr(0, std::min(hash, slash)) + "\n");
    }
  }
  for (const char* py : {"x = t.to('CUDA:0')\n", "dev = torch.device(\"cuda\")\n", "import omni.kit\n", "from pxr import Usd\n",
                         "s = f\"{torch.cuda.device_count()}\"\n", "@triton.jit\ndef k(x):\n    tl.store(x, 1)\n"})
    cases.emplace_back(Language::python, py);
  for (const char* c : {"__global__ void k(float* x) { x[threadIdx.x] = 0; }\n", "sl::Camera zed;\n", "sl :: Camera zed;\n",
                        "auto s = cub::DeviceScan{};\n", "k<<<1, 2>>>(x);\n", "int fd = open(\"/dev/video0\", 0);\n"})
    cases.emplace_back(Language::cuda, c);
  std::size_t with_findings = 0;
  for (const auto& [lang, text] : cases) {
    const auto want = unfiltered(lang, text);
    with_findings += !want.empty();
    EXPECT_EQ(filtered(lang, text), want) << text;
  }
  EXPECT_GT(with_findings, 100u);  // the lines of the fixtures mostly hold a finding each
}

TEST(Prefilter, SkipsFilesWithoutLiteralsOnly) {
  EXPECT_FALSE(may_have_findings(Language::python, "import torch\nx = torch.zeros(3)\nprint(x.sum())\n"));
  EXPECT_FALSE(may_have_findings(Language::c_family, "int slice(int sl_count) { return translate(sl_count); }\n"));
  EXPECT_FALSE(may_have_findings(Language::cuda, "int mytorch_cuda_ok = 1;\n"));  // a look-alike in a longer name
  EXPECT_TRUE(may_have_findings(Language::cuda, "int sl = 0;\n"));                 // "sl" whole: it might be sl::
  // A rule needs all of its literals: `torch . distributed` wants both words.
  EXPECT_FALSE(may_have_findings(Language::python, "distributed = {'memory': 1, 'stream': 2}\n"));
  EXPECT_TRUE(may_have_findings(Language::python, "import torch\ntorch.distributed.barrier()\n"));
  // An #include prefix counts only at the start of the header name ("sl/" of the ZED SDK).
  EXPECT_FALSE(may_have_findings(Language::c_family, "#include <openssl/ssl.h>\n"));
  EXPECT_TRUE(may_have_findings(Language::c_family, "#include <sl/Camera.hpp>\n"));
  EXPECT_TRUE(may_have_findings(Language::c_family, "// cudaMalloc in a comment\nint x;\n"));
  EXPECT_TRUE(may_have_findings(Language::python, "x = 'Cuda'\n"));  // device strings in any case
  EXPECT_TRUE(may_have_findings(Language::cmake, "project(x)\n"));   // build files are never filtered
  EXPECT_TRUE(may_have_findings(Language::requirements, "numpy\n"));
}

}  // namespace
}  // namespace robomlx::port_scan
