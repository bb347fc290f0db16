// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/io/atomic_file.h"

#include "robomlx/core/io/output_stage.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>

namespace robomlx {

namespace {
std::runtime_error io_error(const std::string& path, const std::string& what) {
  return std::runtime_error(path + ": " + what + " (" + std::strerror(errno) + ")");
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  tmp_path_ = path_ + ".tmp-" + std::to_string(::getpid());
  // A signal between creating and tracking would leave the file behind: the cleanup waits for both.
  const auto hold = hold_signal_cleanup();
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (file_ == nullptr) throw io_error(path_, "cannot open for writing");
  signal_id_ = track_for_signals(tmp_path_, OnSignal::remove_file);
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_) std::remove(tmp_path_.c_str());
  untrack_for_signals(signal_id_);
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (size != 0 && std::fwrite(data, 1, size, file_) != size) throw io_error(path_, "write failed");
}

void AtomicFile::commit() {
  if (std::fflush(file_) != 0) throw io_error(path_, "flush failed");
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) throw io_error(path_, "close failed");
  std::error_code ec;
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec) throw std::runtime_error(path_ + ": cannot rename temporary file: " + ec.message());
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFile f(path);
  f.write(contents);
  f.commit();
}

}  // namespace robomlx
