// SPDX-License-Identifier: Apache-2.0
// Progress of a long command on stderr: on a terminal one bar redrawn in place, anywhere else
// (a log file, a pipe, CI) one plain line per ~10 % of the work, so logs stay readable.
#pragma once

#include <chrono>
#include <iostream>
#include <string>

namespace robomlx {

class Progress {
 public:
  /// `what` names the work ("depth process"), `unit` the items ("frames", "steps"). `terminal`
  /// defaults to whether `out` is std::cerr on a terminal. Work of fewer than `min_total` items
  /// prints nothing.
  Progress(std::string what, long total, std::string unit, std::ostream& out = std::cerr, int terminal = -1,
           long min_total = 1);
  /// Reports `done` items of `total`; `detail` ("loss 0.41") is appended to the line.
  void update(long done, const std::string& detail = {});
  /// Ends the bar's line on a terminal (idempotent; the destructor calls it).
  void finish();
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  std::string what_, unit_;
  long total_;
  std::ostream& out_;
  bool terminal_;
  bool quiet_;
  long next_line_;  // the next `done` that prints a plain line
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace robomlx
