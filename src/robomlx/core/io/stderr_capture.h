// SPDX-License-Identifier: Apache-2.0
// Third-party decoders (OpenCV, libjpeg, libtiff, FFmpeg) print warnings and errors straight to
// file descriptor 2, which would put raw lines before the CLI's one-line error. A StderrCapture
// points descriptor 2 at a temporary file for its lifetime and restores it afterwards; what the
// libraries wrote is available for an error message (first_line()) and otherwise dropped.
// Nested captures are no-ops (the outer one keeps the text). Other threads writing to stderr
// meanwhile are captured too, so keep the scope to the library call. ROBOMLX_KEEP_STDERR=1
// turns capturing off (a sanitizer report from inside a decoder, when debugging a fuzz find).
#pragma once

#include <string>

namespace robomlx {

class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  /// Everything written so far (at most 64 KiB).
  std::string text() const;
  /// The first non-blank line written so far, trimmed, at most 200 characters; "" if none.
  std::string first_line() const;

 private:
  int saved_ = -1;  // the original descriptor 2, -1 when this capture is inactive
  int file_ = -1;   // the temporary file
};

}  // namespace robomlx
