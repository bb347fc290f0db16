// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/progress.h"

#include <algorithm>

#include <unistd.h>

namespace robomlx {

Progress::Progress(std::string what, long total, std::string unit, std::FILE* out, int terminal)
    : what_(std::move(what)), unit_(std::move(unit)), total_(std::max(total, 1L)), out_(out),
      terminal_(terminal < 0 ? ::isatty(::fileno(out)) == 1 : terminal != 0), next_line_(std::max(1L, total_ / 10)) {}

void Progress::update(long done, const std::string& detail) {
  done = std::clamp(done, 0L, total_);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = seconds > 0 ? done / seconds : 0.0;
  double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  std::string tail = detail.empty() ? "" : "  " + detail;
  if (terminal_) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(kWidth * done / total_);
    std::fprintf(out_, "\r%s [%s%s] %ld/%ld %s  %.2f %s/s  eta %.0f s%s\x1b[K", what_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), done, total_,
                 unit_.c_str(), rate, unit_.c_str(), eta, tail.c_str());
    drawn_ = true;
  } else if (done >= next_line_ || done == total_) {
    if (done == total_ && next_line_ > total_) return;  // the final line is printed once
    std::fprintf(out_, "%s: %ld/%ld %s (%.0f %%), %.1f s%s\n", what_.c_str(), done, total_, unit_.c_str(),
                 100.0 * done / total_, seconds, tail.c_str());
    long step = std::max(1L, total_ / 10);
    next_line_ = done == total_ ? total_ + 1 : (done / step + 1) * step;
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (terminal_ && drawn_) std::fputc('\n', out_);
  drawn_ = false;
}

}  // namespace robomlx
