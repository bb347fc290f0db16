// SPDX-License-Identifier: Apache-2.0
// The walk and the thread pool. The walk (on the calling thread) hands each file to a queue that
// `jobs` - 1 worker threads drain while it goes on: the walk is a sizeable share of a short scan,
// so it overlaps the scan instead of preceding it; the caller joins as a worker when the walk
// ends. Each file's results go to its own slot, and slots are merged in path order afterwards,
// so the report is the same whatever the timing.
#include "robomlx/port_scan/scan_tree.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

namespace robomlx::port_scan {

namespace fs = std::filesystem;

namespace {
struct Candidate {
  std::string path;
  Language language;
};

struct Slot {
  std::vector<Finding> findings;
  std::string warning;
  std::size_t bytes = 0;
  bool scanned = false;
};

bool excluded(const std::string& path, const std::vector<std::string>& globs) {
  const std::string name = fs::path(path).filename().string();
  for (const std::string& g : globs) {
    if (fnmatch(g.c_str(), path.c_str(), 0) == 0 || fnmatch(g.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

bool skipped_dir(const std::string& name) {
  return (name.size() > 1 && name[0] == '.') || name == "__pycache__" || name == "node_modules";
}

using Sink = std::function<void(Candidate&&)>;

void add_file(const std::string& path, const ScanOptions& o, const Sink& out) {
  const Language lang = language_for_path(path);
  if (lang != Language::none && !excluded(path, o.excludes)) out({path, lang});
}

// Hands each file to `files` as it is found.
void walk(const std::string& root, const ScanOptions& o, const Sink& files, std::vector<std::string>& warnings) {
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(root, ec);
  if (ec || !fs::exists(link)) throw std::runtime_error("port-scan: " + root + ": no such file or directory");
  const fs::file_status target = fs::status(root, ec);
  if (ec) {  // a link to nowhere or a loop
    warnings.push_back(root + ": " + ec.message() + " (skipped)");
    return;
  }
  if (!fs::is_directory(target)) {
    if (fs::is_regular_file(target)) add_file(root, o, files);
    return;
  }
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) {
    warnings.push_back(root + ": " + ec.message() + " (skipped)");
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      warnings.push_back(root + ": " + ec.message() + " (walk stopped here)");
      break;
    }
    const fs::directory_entry& e = *it;
    const std::string path = e.path().string();
    const std::string name = e.path().filename().string();
    std::error_code sec;
    if (e.is_symlink(sec)) {
      const fs::file_status st = fs::status(e.path(), sec);
      if (sec) warnings.push_back(path + ": " + sec.message() + " (link skipped)");
      else if (fs::is_regular_file(st)) add_file(path, o, files);
      continue;  // directory links are not followed: no loops, no file scanned twice
    }
    if (e.is_directory(sec)) {
      if (skipped_dir(name) || excluded(path, o.excludes)) {
        it.disable_recursion_pending();
      } else if (::access(path.c_str(), R_OK | X_OK) != 0) {
        warnings.push_back(path + ": " + std::strerror(errno) + " (directory skipped)");
        it.disable_recursion_pending();
      }
      continue;
    }
    if (e.is_regular_file(sec)) add_file(path, o, files);
  }
}

// Reads and scans one file into its slot; every failure is the slot's warning.
void scan_one(const Candidate& c, const ScanOptions& o, Slot& slot) {
  const int fd = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    slot.warning = c.path + ": " + std::strerror(errno) + " (skipped)";
    return;
  }
  struct stat st {};
  // One read buffer per thread, reused from file to file: a fresh allocation per file costs a
  // zero fill and page faults on every file (the scan is short enough for that to show).
  thread_local std::vector<char> buffer;
  std::size_t got = 0;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && static_cast<std::size_t>(st.st_size) > o.max_file_bytes) {
    slot.warning = c.path + ": " + std::to_string(st.st_size) + " bytes, over the " + std::to_string(o.max_file_bytes) +
                   "-byte limit (skipped)";
    ::close(fd);
    return;
  }
  if (ok) {
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    if (buffer.size() < size) buffer.resize(size);
    while (got < size) {
      const ssize_t n = ::read(fd, buffer.data() + got, size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = n == 0;
        break;
      }
      got += static_cast<std::size_t>(n);
    }
  }
  const int err = errno;
  ::close(fd);
  if (!ok) {
    slot.warning = c.path + ": " + std::strerror(err) + " (skipped)";
    return;
  }
  const std::string_view text(buffer.data(), got);
  if (text.find('\0') != std::string_view::npos) {
    slot.warning = c.path + ": binary content (NUL bytes) (skipped)";
    return;
  }
  if (const std::size_t bad = first_invalid_utf8_line(text)) {
    // Scanned anyway: the lexers read bytes, and a Latin-1 comment must not hide CUDA code.
    slot.warning = c.path + ": invalid UTF-8 at line " + std::to_string(bad) + " (scanned as bytes)";
  }
  slot.bytes = text.size();
  slot.scanned = true;
  slot.findings = scan_text(c.path, c.language, text);
}

int thread_count(int jobs, std::size_t files) {
  int n = jobs;
  if (n <= 0) {
    const char* env = std::getenv("ROBOMLX_NUM_THREADS");
    n = env ? std::atoi(env) : 0;
  }
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(n), std::max<std::size_t>(files, 1)));
}
}  // namespace

ScanResult scan_paths(const ScanOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ScanResult result;
  // Files and slots live in deques: the walk appends while workers hold references.
  std::deque<Candidate> files;
  std::deque<Slot> slots;
  std::mutex m;
  std::condition_variable more;
  std::size_t next = 0;
  bool walked = false;
  auto worker = [&] {
    for (;;) {
      std::unique_lock lock(m);
      more.wait(lock, [&] { return next < files.size() || walked; });
      if (next >= files.size()) return;
      const std::size_t i = next++;
      const Candidate& c = files[i];
      Slot& slot = slots[i];
      lock.unlock();
      try {
        scan_one(c, options, slot);
      } catch (const std::exception& e) {  // never lose the run to one file
        slot = Slot{{}, c.path + ": " + e.what() + " (skipped)", 0, false};
      }
    }
  };
  const int threads = thread_count(options.jobs, std::numeric_limits<std::size_t>::max());
  std::vector<std::thread> pool;
  auto finish = [&] {
    {
      std::lock_guard lock(m);
      walked = true;
    }
    more.notify_all();
    worker();
    for (auto& t : pool) t.join();
  };
  try {
    const Sink add = [&](Candidate&& c) {
      std::size_t queued = 0;
      {
        std::lock_guard lock(m);
        files.push_back(std::move(c));
        slots.emplace_back();
        queued = files.size();
      }
      // Workers start as files come, up to jobs - 1 (a one-file scan starts none).
      if (static_cast<int>(pool.size()) + 1 < threads && pool.size() + 1 < queued) pool.emplace_back(worker);
      more.notify_one();
    };
    for (const std::string& p : options.paths) walk(p, options, add, result.warnings);
  } catch (...) {
    finish();  // a missing path: stop the workers before the error goes up
    throw;
  }
  finish();

  // Path order, each path once (a path named twice, or inside a directory also named, is one file).
  std::vector<std::size_t> order(files.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return files[a].path < files[b].path; });
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && files[order[k]].path == files[order[k - 1]].path) continue;
    Slot& s = slots[order[k]];
    if (!s.warning.empty()) result.warnings.push_back(std::move(s.warning));
    if (!s.scanned) continue;
    ++result.files_scanned;
    result.bytes_scanned += s.bytes;
    std::move(s.findings.begin(), s.findings.end(), std::back_inserter(result.findings));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace robomlx::port_scan
