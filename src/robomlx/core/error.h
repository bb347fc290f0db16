// SPDX-License-Identifier: Apache-2.0
// Error types shared by every robomlx module.
//
// One message format everywhere: "[<system>.<op>] <what> <rule>, got <value>", e.g.
//   [depth.spatial] alpha must be in [0.25, 1], got 1.5
// - caller mistakes (bad options, shapes, dtypes) throw std::invalid_argument;
// - malformed files throw FormatError, which names the file and the field;
// - a backend that is absent or unusable throws UnsupportedBackendError;
// - a capability the platform lacks (live capture without its driver) throws
//   UnsupportedFeatureError.
// The CLI maps each to its own non-zero exit code (apps/robomlx/main.cpp).
#pragma once

#include <stdexcept>
#include <string>

namespace robomlx {

/// A requested compute backend (e.g. --device gpu) is not usable on this machine.
class UnsupportedBackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A feature this build or platform cannot provide (never faked).
class UnsupportedFeatureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file a user brought is malformed: the message names the file and what was expected.
class FormatError : public std::runtime_error {
 public:
  FormatError(const std::string& file, const std::string& what)
      : std::runtime_error(file + ": " + what), file_(file) {}
  /// "[tag] file: what", for systems whose messages carry their op tag ("[splat.ply] a.ply: ...").
  FormatError(const std::string& tag, const std::string& file, const std::string& what)
      : std::runtime_error("[" + tag + "] " + file + ": " + what), file_(file) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace robomlx
