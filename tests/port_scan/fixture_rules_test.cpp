// SPDX-License-Identifier: Apache-2.0
// port-scan against the fixtures of tests/data/port_scan: each line marked `expect: RULE...` (in a
// comment, which the lexers drop) must give exactly those findings, and every other line none; the
// fixtures hold blockers in comments, docstrings and strings on unmarked lines (the negatives).
// Then: every rule of the table and every kernel class is hit by some fixture.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "robomlx/port_scan/kernel_classes.h"
#include "robomlx/port_scan/scan_rules.h"
#include "robomlx/port_scan/scan_tree.h"
#include "support.h"

namespace robomlx::port_scan {
namespace {

namespace fs = std::filesystem;

fs::path fixtures() { return fs::path(test::source_dir()) / "tests/data/port_scan"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> fixture_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(fixtures())) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// (line, rule) pairs from the `expect:` markers, as a sorted multiset.
std::vector<std::pair<std::uint32_t, std::string>> expected(const std::string& text) {
  static const std::regex marker(R"((?:#|//) expect: ([\w.\- ]+))");
  std::vector<std::pair<std::uint32_t, std::string>> out;
  std::istringstream in(text);
  std::string line;
  for (std::uint32_t n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (!std::regex_search(line, m, marker)) continue;
    std::istringstream ids(m[1].str());
    for (std::string id; ids >> id;) out.emplace_back(n, id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PortScanFixtures, EveryMarkedLineAndNoOther) {
  const auto files = fixture_files();
  ASSERT_GE(files.size(), 18u) << "fixtures missing under " << fixtures();
  std::size_t total = 0;
  for (const fs::path& p : files) {
    const Language lang = language_for_path(p.string());
    ASSERT_NE(lang, Language::none) << p;
    const std::string text = slurp(p);
    std::vector<std::pair<std::uint32_t, std::string>> got;
    for (const Finding& f : scan_text(p.string(), lang, text)) got.emplace_back(f.line, f.rule_id);
    std::sort(got.begin(), got.end());
    const auto want = expected(text);
    std::ostringstream diff;
    for (const auto& [line, id] : got) {
      if (std::count(want.begin(), want.end(), std::make_pair(line, id)) < std::count(got.begin(), got.end(), std::make_pair(line, id)))
        diff << "  unexpected " << id << " at line " << line << "\n";
    }
    for (const auto& [line, id] : want) {
      if (std::count(got.begin(), got.end(), std::make_pair(line, id)) < std::count(want.begin(), want.end(), std::make_pair(line, id)))
        diff << "  missing " << id << " at line " << line << "\n";
    }
    EXPECT_EQ(got, want) << p.filename() << ":\n" << diff.str();
    total += got.size();
  }
  EXPECT_GE(total, 250u);
}

TEST(PortScanFixtures, NegativeFilesHaveNoFindings) {
  for (const char* name : {"negatives.py", "negatives.cpp"}) {
    const fs::path p = fixtures() / name;
    const std::string text = slurp(p);
    ASSERT_FALSE(text.empty()) << p;
    const auto found = scan_text(p.string(), language_for_path(p.string()), text);
    for (const Finding& f : found) ADD_FAILURE() << name << ":" << f.line << " " << f.rule_id << ": " << f.snippet;
  }
}

TEST(PortScanFixtures, EveryRuleHasAPositiveFixture) {
  std::set<const Rule*> hit;
  for (const fs::path& p : fixture_files()) {
    const Language lang = language_for_path(p.string());
    const std::string text = slurp(p);
    for (const RuleHit& h : match_rules(lang, lex_source(lang, text))) hit.insert(h.rule);
  }
  for (const Rule& r : scan_rules()) {
    EXPECT_TRUE(hit.count(&r)) << "no fixture hits rule " << r.id << " (pattern `" << r.pattern << "`)";
  }
}

TEST(PortScanFixtures, EveryKernelClassHasAFixture) {
  std::set<std::string> classes;
  for (const fs::path& p : fixture_files()) {
    for (const Finding& f : scan_text(p.string(), language_for_path(p.string()), slurp(p))) {
      if (!f.kernel_class.empty()) classes.insert(f.kernel_class);
    }
  }
  for (int c = 0; c <= static_cast<int>(KernelClass::cub_thrust); ++c) {
    EXPECT_TRUE(classes.count(to_string(static_cast<KernelClass>(c)))) << to_string(static_cast<KernelClass>(c));
  }
}

// The seed's own rg patterns, on the fixtures that hold blockers only in comments and strings:
// every one of these lines would be an rg hit; none is a finding.
TEST(PortScanFixtures, SeedPatternsInProseAreNoFindings) {
  const std::regex seed(R"(torch\.cuda|import warp|from warp|import omni|from omni|import carb|from carb|import pxr|from pxr|import isaacsim|from isaacsim|V4L2|v4l2|linux/videodev|ioctl|VIDIOC_)");
  std::size_t rg_lines = 0;
  for (const char* name : {"negatives.py", "negatives.cpp"}) {
    std::istringstream in(slurp(fixtures() / name));
    for (std::string line; std::getline(in, line);) rg_lines += std::regex_search(line, seed);
  }
  EXPECT_GE(rg_lines, 10u);  // the fixtures really are full of look-alikes
}

}  // namespace
}  // namespace robomlx::port_scan
