// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/progress.h"

#include <algorithm>
#include <cstdio>

#include <unistd.h>

namespace robomlx {

Progress::Progress(std::string what, long total, std::string unit, std::ostream& out, int terminal, long min_total)
    : what_(std::move(what)), unit_(std::move(unit)), total_(std::max(total, 1L)), out_(out),
      terminal_(terminal < 0 ? &out == &std::cerr && ::isatty(STDERR_FILENO) == 1 : terminal != 0),
      quiet_(total < min_total), next_line_(std::max(1L, total_ / 10)) {}

void Progress::update(long done, const std::string& detail) {
  if (quiet_) return;
  done = std::clamp(done, 0L, total_);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = seconds > 0 ? done / seconds : 0.0;
  double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  std::string tail = detail.empty() ? "" : "  " + detail;
  char line[160];
  if (terminal_) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(kWidth * done / total_);
    std::snprintf(line, sizeof line, "] %ld/%ld %s  %.2f %s/s  eta %.0f s", done, total_, unit_.c_str(), rate,
                  unit_.c_str(), eta);
    out_ << "\r" << what_ << " [" << std::string(filled, '#') << std::string(kWidth - filled, '.') << line << tail
         << "\x1b[K";
    drawn_ = true;
  } else if (done >= next_line_ || done == total_) {
    if (done == total_ && next_line_ > total_) return;  // the final line is printed once
    // Long runs (training) read the remaining time from the log: give it while work remains.
    const int used = std::snprintf(line, sizeof line, ": %ld/%ld %s (%.0f %%), %.1f s", done, total_, unit_.c_str(),
                                   100.0 * done / total_, seconds);
    if (done < total_ && rate > 0 && used > 0 && used < static_cast<int>(sizeof line))
      std::snprintf(line + used, sizeof line - used, ", eta %.0f s", eta);
    out_ << what_ << line << tail << "\n";
    long step = std::max(1L, total_ / 10);
    next_line_ = done == total_ ? total_ + 1 : (done / step + 1) * step;
  }
  out_.flush();
}

void Progress::finish() {
  if (terminal_ && drawn_) out_ << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace robomlx
