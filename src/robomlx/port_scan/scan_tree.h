// SPDX-License-Identifier: Apache-2.0
// port-scan over files and directory trees: walk, read each file whole, lex, match, classify, on a
// pool of threads (one file per task). Bad input never stops the scan: unreadable, binary and
// oversized files, dangling links and symlink loops become warnings; only a path named on the
// command line that does not exist is an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "robomlx/port_scan/scan_finding.h"
#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan {

struct ScanOptions {
  std::vector<std::string> paths;     // files or directories
  std::vector<std::string> excludes;  // shell globs (fnmatch, '*' crosses '/') on the walked path or the name
  int jobs = 0;                       // threads; 0: ROBOMLX_NUM_THREADS, else all hardware threads
  std::size_t max_file_bytes = 64u << 20;  // larger files are skipped with a warning
};

struct ScanResult {
  std::vector<Finding> findings;      // sorted by file, line, column
  std::vector<std::string> warnings;  // "path: why", for each file skipped or read only in part
  std::size_t files_scanned = 0;      // files read and lexed (a language port-scan knows)
  std::size_t bytes_scanned = 0;
  double seconds = 0;                 // wall time of the walk and the scan
};

/// Scans every file under options.paths whose name gives a language (language_for_path).
/// Directories are walked without following directory symlinks (no loops); hidden entries
/// (".git", ".venv"), __pycache__ and node_modules are skipped. Throws std::runtime_error naming
/// the path when a given path does not exist.
ScanResult scan_paths(const ScanOptions& options);

/// The findings of one file from its text, sorted by line and column (what scan_paths does for
/// each file, without the file system). `path` fills Finding::file.
std::vector<Finding> scan_text(std::string_view path, Language language, std::string_view text);

/// The first invalid UTF-8 byte's 1-based line, or 0 when `text` is valid UTF-8.
std::size_t first_invalid_utf8_line(std::string_view text);

}  // namespace robomlx::port_scan
