// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/io/stderr_capture.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace robomlx {

namespace {
std::atomic<int> g_depth{0};
}  // namespace

StderrCapture::StderrCapture() {
  if (g_depth.fetch_add(1) != 0) return;  // an outer capture is active
  if (const char* keep = std::getenv("ROBOMLX_KEEP_STDERR"); keep != nullptr && *keep == '1') return;
  std::FILE* tmp = std::tmpfile();
  if (tmp == nullptr) return;  // no temporary file: leave stderr as it is rather than lose it
  file_ = ::dup(::fileno(tmp));
  std::fclose(tmp);  // the dup keeps the (already unlinked) file alive
  if (file_ < 0) return;
  std::fflush(stderr);
  saved_ = ::dup(2);
  if (saved_ < 0 || ::dup2(file_, 2) < 0) {
    if (saved_ >= 0) ::close(saved_);
    saved_ = -1;
  }
}

StderrCapture::~StderrCapture() {
  if (saved_ >= 0) {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
  }
  if (file_ >= 0) ::close(file_);
  g_depth.fetch_sub(1);
}

std::string StderrCapture::text() const {
  if (file_ < 0) return "";
  std::fflush(stderr);
  std::string out(64 * 1024, '\0');
  const ssize_t n = ::pread(file_, out.data(), out.size(), 0);
  out.resize(n > 0 ? std::size_t(n) : 0);
  return out;
}

std::string StderrCapture::first_line() const {
  const std::string all = text();
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t end = all.find('\n', pos);
    if (end == std::string::npos) end = all.size();
    std::string line = all.substr(pos, end - pos);
    pos = end + 1;
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
    return line.substr(0, 200);
  }
  return "";
}

}  // namespace robomlx
