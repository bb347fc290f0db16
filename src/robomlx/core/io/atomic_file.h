// SPDX-License-Identifier: Apache-2.0
// Writes that never leave half-written outputs: data goes to a temporary file beside the
// target and is renamed over it only when complete. A writer that throws, or is destroyed
// without commit(), removes its temporary file, and so does a SIGINT/SIGTERM/SIGHUP once the
// process called remove_staged_outputs_on_signals() (core/io/output_stage.h). Several outputs
// that must appear together go through OutputStage.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace robomlx {

/// Writes `contents` to `path` atomically; throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::string& path, std::string_view contents);

/// Streaming variant for large outputs: write through file(), then commit().
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::FILE* file() { return file_; }
  const std::string& path() const { return path_; }
  /// Appends bytes; throws on a short write.
  void write(const void* data, std::size_t size);
  void write(std::string_view s) { write(s.data(), s.size()); }
  /// Flushes, closes and renames the temporary onto `path`.
  void commit();

 private:
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  std::uint64_t signal_id_ = 0;
};

}  // namespace robomlx
