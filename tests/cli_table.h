// SPDX-License-Identifier: Apache-2.0
// Table-driven tests of the CLI binary built beside the test: each row is an input, a command,
// the expected exit code, a fragment of the expected one-line error, and files that must or must
// not exist afterwards. Every failing row also checks the error contract: stderr is exactly one
// line, "robomlx: error: ...", with nothing from a third-party library before it.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.h"

namespace robomlx::test {

struct CliRow {
  std::string name{};                         // what the row tries, for failure messages
  std::string args{};                         // command line after the binary
  int exit_code = 0;
  std::string err_has{};                      // fragment of stderr's one line (failing rows)
  std::string out_has{};                      // fragment of stdout (optional)
  std::vector<std::string> must_exist{};      // paths
  std::vector<std::string> must_not_exist{};  // paths
  std::string env{};                          // "VAR=value ..." before the binary
  double max_seconds = 0;                     // > 0: the run must take less
};

struct CliResult {
  int code = -1;
  std::string out, err;
  double seconds = 0;
};

inline std::filesystem::path cli_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "apps/robomlx/robomlx";
}

inline std::string slurp_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline CliResult run_cli(const std::string& args, const std::string& env, const std::string& scratch) {
  const std::string out = scratch + "/.stdout", err = scratch + "/.stderr";
  const std::string cmd = env + " " + launcher_prefix() + cli_binary().string() + " " + args + " > " + out + " 2> " + err;
  const auto t0 = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp_text(out);
  r.err = slurp_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

/// Runs one row and checks everything it states; `scratch` holds the captured streams.
inline void expect_row(const CliRow& row, const std::string& scratch) {
  SCOPED_TRACE(row.name + ": robomlx " + row.args);
  const CliResult r = run_cli(row.args, row.env, scratch);
  EXPECT_EQ(r.code, row.exit_code) << "stderr: " << r.err << "\nstdout: " << r.out;
  if (row.exit_code != 0) {
    EXPECT_EQ(r.err.rfind("robomlx: error: ", 0), 0u) << "stderr must start with the error line: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr must be exactly one line: " << r.err;
  }
  if (!row.err_has.empty()) {
    EXPECT_NE(r.err.find(row.err_has), std::string::npos) << "stderr: " << r.err;
  }
  if (!row.out_has.empty()) {
    EXPECT_NE(r.out.find(row.out_has), std::string::npos) << "stdout: " << r.out;
  }
  for (const auto& p : row.must_exist) {
    EXPECT_TRUE(std::filesystem::exists(p)) << p;
  }
  for (const auto& p : row.must_not_exist) {
    EXPECT_FALSE(std::filesystem::exists(p)) << p;
  }
  if (row.max_seconds > 0) {
    EXPECT_LT(r.seconds, row.max_seconds);
  }
}

}  // namespace robomlx::test
