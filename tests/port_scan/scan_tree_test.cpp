// SPDX-License-Identifier: Apache-2.0
// The tree scan on bad input (binary, invalid UTF-8, unreadable, symlink loops, missing paths,
// oversized files), determinism across thread counts, excludes, and the report formats' shapes
// (SARIF 2.1.0 as GitHub code scanning reads it, JSON, Markdown, text).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "robomlx/port_scan/scan_report.h"
#include "support.h"

namespace robomlx::port_scan {
namespace {

namespace fs = std::filesystem;

class ScanTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("port_scan_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "sub");
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_ / "locked.py", fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }
  void put(const std::string& rel, const std::string& text) { std::ofstream(root_ / rel, std::ios::binary) << text; }
  bool warned(const ScanResult& r, const std::string& fragment) {
    for (const auto& w : r.warnings) {
      if (w.find(fragment) != std::string::npos) return true;
    }
    return false;
  }
  fs::path root_;
};

TEST_F(ScanTree, BadInputIsWarnedNeverFatal) {
  put("ok.py", "import torch\ntorch.cuda.synchronize()\n");
  put("binary.py", std::string("torch.cuda\0\x01\x02", 13));
  put("latin1.py", "# caf\xe9\nx = y.cuda()\n");  // invalid UTF-8, scanned as bytes
  put("locked.py", "import warp\n");
  fs::permissions(root_ / "locked.py", fs::perms::none);
  fs::create_symlink("loop_b.py", root_ / "loop_a.py");
  fs::create_symlink("loop_a.py", root_ / "loop_b.py");
  fs::create_symlink("..", root_ / "sub" / "up");  // a directory loop: never followed
  fs::create_symlink("missing.py", root_ / "dangling.py");
  put("image.png", "\x89PNG\r\n");  // not a source language: not even read
  ScanOptions o;
  o.paths = {root_.string()};
  const ScanResult r = scan_paths(o);
  EXPECT_TRUE(warned(r, "binary.py: binary")) << testing::PrintToString(r.warnings);
  EXPECT_TRUE(warned(r, "latin1.py: invalid UTF-8 at line 1"));
  EXPECT_TRUE(warned(r, "loop_a.py")) << "a symlink loop is reported";
  EXPECT_TRUE(warned(r, "dangling.py"));
  std::set<std::string> rules;
  for (const Finding& f : r.findings) rules.insert(fs::path(f.file).filename().string() + " " + f.rule_id);
  EXPECT_TRUE(rules.count("ok.py compute.cuda-stream"));
  EXPECT_TRUE(rules.count("latin1.py compute.to-cuda"));
  EXPECT_FALSE(rules.count("binary.py compute.torch-cuda"));
  if (::geteuid() == 0) {
    EXPECT_TRUE(rules.count("locked.py sim.warp")) << "root reads a mode-000 file";
  } else {
    EXPECT_TRUE(warned(r, "locked.py: Permission denied"));
  }
  for (const Finding& f : r.findings) EXPECT_EQ(f.snippet.find('\xe9'), std::string::npos) << "snippets are valid UTF-8";
}

TEST_F(ScanTree, MissingPathIsAnError) {
  ScanOptions o;
  o.paths = {(root_ / "nope").string()};
  try {
    scan_paths(o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no such file or directory"), std::string::npos) << e.what();
  }
}

TEST_F(ScanTree, OversizedFilesAreSkipped) {
  put("big.py", std::string(4096, '#') + "\nx.cuda()\n");
  ScanOptions o;
  o.paths = {root_.string()};
  o.max_file_bytes = 1024;
  const ScanResult r = scan_paths(o);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(warned(r, "over the 1024-byte limit"));
}

TEST_F(ScanTree, SameFindingsOnAnyThreadCountAndExcludes) {
  for (int i = 0; i < 40; ++i) {
    put("sub/f" + std::to_string(i) + ".py", "import omni.usd\nx = torch.zeros(1, device=\"cuda\")\n");
    put("sub/k" + std::to_string(i) + "_gpu.cu", "__global__ void k(float* p) { atomicAdd(p, 1.f); }\n");
  }
  ScanOptions o;
  o.paths = {root_.string(), (root_ / "sub").string()};  // overlapping paths: each file once
  o.jobs = 1;
  const ScanResult one = scan_paths(o);
  o.jobs = 4;
  const ScanResult four = scan_paths(o);
  ASSERT_EQ(one.findings.size(), 120u);
  ASSERT_EQ(one.findings.size(), four.findings.size());
  for (std::size_t i = 0; i < one.findings.size(); ++i) {
    EXPECT_EQ(one.findings[i].file, four.findings[i].file);
    EXPECT_EQ(one.findings[i].line, four.findings[i].line);
    EXPECT_EQ(one.findings[i].rule_id, four.findings[i].rule_id);
  }
  EXPECT_EQ(one.files_scanned, 80u);
  o.paths = {root_.string()};
  o.excludes = {"*_gpu.cu"};
  EXPECT_EQ(scan_paths(o).findings.size(), 80u);
  o.excludes = {"*/sub"};
  EXPECT_EQ(scan_paths(o).files_scanned, 0u);
}

TEST_F(ScanTree, ReportsHaveTheirShapes) {
  put("train.py", "import warp\nm = m.cuda()\n");
  put("sub/k.cu", "__global__ void scatter(float* o, const int* i, const float* v) { atomicAdd(o + i[0], v[0]); }\n");
  ScanOptions o;
  o.paths = {root_.string()};
  const ScanResult r = scan_paths(o);
  const ScanSummary s = summarize(r);
  ASSERT_EQ(r.findings.size(), 3u);

  std::ostringstream sarif;
  write_sarif_report(sarif, r);
  const auto j = nlohmann::json::parse(sarif.str());
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run = j["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), 3u);
  ASSERT_EQ(run["results"].size(), 3u);
  for (const auto& res : run["results"]) {
    const std::string id = res["ruleId"];
    EXPECT_EQ(run["tool"]["driver"]["rules"][res["ruleIndex"].get<std::size_t>()]["id"], id);
    EXPECT_TRUE(res["level"] == "note" || res["level"] == "warning" || res["level"] == "error");
    const auto& loc = res["locations"][0]["physicalLocation"];
    EXPECT_FALSE(loc["artifactLocation"]["uri"].get<std::string>().empty());
    EXPECT_GE(loc["region"]["startLine"].get<int>(), 1);
    EXPECT_GE(loc["region"]["startColumn"].get<int>(), 1);
    EXPECT_FALSE(res["message"]["text"].get<std::string>().empty());
  }

  std::ostringstream js;
  write_json_report(js, r, s);
  const auto jj = nlohmann::json::parse(js.str());
  EXPECT_EQ(jj["findings"].size(), 3u);
  EXPECT_EQ(jj["summary"]["buckets"]["kernel"]["findings"], 1);
  EXPECT_EQ(jj["summary"]["kernel_classes"]["scatter-reduce"], 1);
  ASSERT_EQ(jj["plan"].size(), 3u);  // ComputeBackend, KernelBackend, SimBackend: the seed's order
  EXPECT_EQ(jj["plan"][0]["adapter"], "ComputeBackend");
  EXPECT_EQ(jj["plan"][1]["adapter"], "KernelBackend");
  EXPECT_EQ(jj["plan"][2]["adapter"], "SimBackend");

  std::ostringstream md, text;
  write_markdown_report(md, r, s);
  write_text_report(text, r, s);
  EXPECT_NE(md.str().find("## Port plan"), std::string::npos);
  EXPECT_NE(md.str().find("### 1. ComputeBackend"), std::string::npos);
  EXPECT_NE(md.str().find("| kernel | 1 | 1 |"), std::string::npos);
  EXPECT_NE(text.str().find("train.py:2:6: compute EASY (medium) compute.to-cuda"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("1. ComputeBackend"), std::string::npos);
}

}  // namespace
}  // namespace robomlx::port_scan
