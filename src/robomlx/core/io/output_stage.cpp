// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/io/output_stage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "robomlx/core/io/atomic_file.h"

namespace robomlx {

namespace fs = std::filesystem;

namespace {

// ---- signal cleanup -------------------------------------------------------------------------

struct Registry {
  std::recursive_mutex mutex;
  std::map<std::uint64_t, std::pair<std::string, OnSignal>> entries;
  std::uint64_t next = 1;
};

// Never destroyed: the cleanup thread may need it while static destructors run at exit.
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

int g_signal_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int sig) {
  // Only async-signal-safe work here: hand the signal number to the cleanup thread.
  const int saved = errno;
  const unsigned char b = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

void remove_path(const std::string& path, OnSignal what) noexcept {
  std::error_code ec;
  switch (what) {
    case OnSignal::remove_file:
      ::unlink(path.c_str());
      break;
    case OnSignal::remove_empty_folder:
      ::rmdir(path.c_str());
      break;
    case OnSignal::remove_folder:
      // A writer may still be adding a file while we remove (the main thread runs on): retry.
      for (int attempt = 0; attempt < 20 && fs::exists(fs::symlink_status(path, ec)); ++attempt) fs::remove_all(path, ec);
      break;
  }
}

[[noreturn]] void remove_everything_and_die(int sig) {
  Registry& r = registry();
  r.mutex.lock();  // waits for a commit in progress; never released: the process ends here
  for (auto it = r.entries.rbegin(); it != r.entries.rend(); ++it) remove_path(it->second.first, it->second.second);
  std::signal(sig, SIG_DFL);
  std::raise(sig);  // the default action ends the whole process with this signal
  ::_exit(128 + sig);
}

void cleanup_loop() {
  for (;;) {
    unsigned char b = 0;
    const ssize_t n = ::read(g_signal_pipe[0], &b, 1);
    if (n == 1) remove_everything_and_die(b);
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

// ---- paths ----------------------------------------------------------------------------------

// The process umask (read once: umask() can only be read by setting it).
mode_t process_umask() {
  static const mode_t mask = [] {
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
  }();
  return mask;
}

fs::path normalise(const std::string& target) {
  fs::path p = fs::absolute(fs::path(target)).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

[[noreturn]] void bad_path(const std::string& option, const std::string& rule, const std::string& path,
                           const std::string& why) {
  throw std::invalid_argument("[output] " + option + " must be " + rule + ", got '" + path + "'" +
                              (why.empty() ? "" : " (" + why + ")"));
}

std::string errno_text() { return std::strerror(errno); }

std::set<std::string> read_manifest(const fs::path& dir) {
  std::set<std::string> names;
  std::ifstream in(dir / kOutputManifest);
  std::string line;
  while (std::getline(in, line)) {
    // Only plain names of this folder: a manifest can never make us remove anything elsewhere.
    if (line.empty() || line[0] == '#' || line == "." || line == ".." || line == kOutputManifest ||
        line.find('/') != std::string::npos || line.find('\0') != std::string::npos)
      continue;
    names.insert(line);
  }
  return names;
}

void write_manifest(const fs::path& dir, const std::set<std::string>& names) {
  std::string text = "# robomlx: the files of the last run into this folder; the next run replaces them\n";
  for (const auto& n : names) text += n + "\n";
  write_file_atomically((dir / kOutputManifest).string(), text);
}

}  // namespace

// ---- public: signals ------------------------------------------------------------------------

std::uint64_t track_for_signals(const std::string& path, OnSignal what) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  const std::uint64_t id = r.next++;
  r.entries.emplace(id, std::make_pair(path, what));
  return id;
}

void untrack_for_signals(std::uint64_t id) noexcept {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  r.entries.erase(id);
}

std::unique_lock<std::recursive_mutex> hold_signal_cleanup() { return std::unique_lock<std::recursive_mutex>(registry().mutex); }

void remove_staged_outputs_on_signals() {
  static const bool installed = [] {
    if (::pipe(g_signal_pipe) != 0) throw std::runtime_error(std::string("[output] cannot create a pipe: ") + errno_text());
    for (int fd : g_signal_pipe) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    std::thread(cleanup_loop).detach();
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      ::sigaction(sig, nullptr, &old);
      if (old.sa_handler == SIG_IGN) continue;  // started with nohup or in the background: stay immune
      ::sigaction(sig, &sa, nullptr);
    }
    return true;
  }();
  (void)installed;
}

// ---- public: paths --------------------------------------------------------------------------

void check_output_file(const std::string& path, const std::string& option) {
  if (path.empty()) bad_path(option, "a file path", path, "empty");
  const fs::path p = normalise(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) bad_path(option, "a file path", path, "it is a folder");
  fs::path dir = p.parent_path();
  while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.root_path()) dir = dir.parent_path();
  if (!fs::is_directory(dir, ec)) bad_path(option, "a writable file path", path, "'" + dir.string() + "' is not a folder");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) bad_path(option, "a writable file path", path, "'" + dir.string() + "': " + errno_text());
}

void OutputStage::make_parents(const std::string& path, const std::string& option) {
  std::error_code ec;
  const fs::path dir = fs::path(path).parent_path();
  std::vector<fs::path> missing;
  fs::path d = dir;
  while (!d.empty() && !fs::exists(fs::symlink_status(d, ec)) && d != d.root_path()) {
    missing.push_back(d);
    d = d.parent_path();
  }
  if (!fs::is_directory(d, ec)) bad_path(option, "a writable path", path, "'" + d.string() + "' is not a folder");
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    const auto hold = hold_signal_cleanup();  // created and tracked as one step for the cleanup
    if (::mkdir(it->c_str(), 0777) != 0) bad_path(option, "a writable path", path, "cannot create '" + it->string() + "': " + errno_text());
    created_dirs_.push_back(it->string());
    tracked_.push_back(track_for_signals(it->string(), OnSignal::remove_empty_folder));
  }
}

std::string OutputStage::folder(const std::string& target, const std::string& option) {
  if (committed_) throw std::logic_error("[output] OutputStage already committed");
  if (target.empty()) bad_path(option, "a folder", target, "empty");
  const fs::path p = normalise(target);
  std::error_code ec;
  Folder f;
  f.target = p.string();
  std::string tmpl;
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) bad_path(option, "a folder", target, "it exists and is not a folder");
    f.existed = true;
    tmpl = (p / ".robomlx-stage-XXXXXX").string();
  } else {
    make_parents(p.string(), option);
    tmpl = (p.parent_path() / ("." + p.filename().string() + ".tmp-XXXXXX")).string();
  }
  // A signal between creating and tracking would leave the staging behind: the cleanup waits for both.
  const auto hold = hold_signal_cleanup();
  if (::mkdtemp(tmpl.data()) == nullptr)
    bad_path(option, "a writable folder", target, "cannot create " + tmpl + ": " + errno_text());
  tracked_.push_back(track_for_signals(tmpl, OnSignal::remove_folder));
  ::chmod(tmpl.c_str(), 0777 & ~process_umask());  // mkdtemp made it 0700; the output gets the usual mode
  f.staging = tmpl;
  folders_.push_back(f);
  return tmpl;
}

std::string OutputStage::file(const std::string& target, const std::string& option) {
  if (committed_) throw std::logic_error("[output] OutputStage already committed");
  if (target.empty()) bad_path(option, "a file path", target, "empty");
  const fs::path p = normalise(target);
  std::error_code ec;
  if (fs::is_directory(p, ec)) bad_path(option, "a file path", target, "it is a folder");
  make_parents(p.string(), option);
  const std::string ext = p.extension().string();
  std::string tmpl = (p.parent_path() / ("." + p.filename().string() + ".tmp-XXXXXX" + ext)).string();
  // A signal between creating and tracking would leave the file behind: the cleanup waits for both.
  const auto hold = hold_signal_cleanup();
  const int fd = ::mkstemps(tmpl.data(), static_cast<int>(ext.size()));
  if (fd < 0) bad_path(option, "a writable file path", target, "cannot create a file in '" + p.parent_path().string() + "': " + errno_text());
  ::fchmod(fd, 0666 & ~process_umask());  // mkstemps made it 0600; the output gets the usual mode
  ::close(fd);
  tracked_.push_back(track_for_signals(tmpl, OnSignal::remove_file));
  files_.push_back({p.string(), tmpl});
  return tmpl;
}

namespace {

std::set<std::string> entries_of(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  names.erase(kOutputManifest);
  return names;
}

void move_into_place(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw std::runtime_error("[output] cannot move the output into place at '" + to + "': " + ec.message());
}

// Reused folder: replace only robomlx's own outputs (manifest), keep everything else.
void merge_into(const fs::path& staging, const fs::path& target) {
  const std::set<std::string> fresh = entries_of(staging);
  const std::set<std::string> old = read_manifest(target);
  std::set<std::string> both = old;
  both.insert(fresh.begin(), fresh.end());
  // Listed before anything moves: a run stopped half-way (power loss) still leaves every robomlx
  // file named in the manifest, so the next run removes it.
  write_manifest(target, both);
  std::error_code ec;
  for (const auto& n : old) {
    if (fresh.count(n)) continue;
    const fs::path stale = target / n;
    if (fs::is_directory(fs::symlink_status(stale, ec))) continue;  // robomlx writes files only
    fs::remove(stale, ec);
  }
  for (const auto& n : fresh) move_into_place((staging / n).string(), (target / n).string());
  write_manifest(target, fresh);
  fs::remove_all(staging, ec);
}

}  // namespace

void OutputStage::commit() {
  if (committed_) return;
  auto lock = hold_signal_cleanup();
  for (const Folder& f : folders_) {
    const fs::path staging(f.staging), target(f.target);
    if (!f.existed) {
      write_manifest(staging, entries_of(staging));
      std::error_code ec;
      fs::rename(staging, target, ec);  // the whole folder appears at once
      if (!ec) continue;
      if (!fs::is_directory(target)) throw std::runtime_error("[output] cannot create '" + f.target + "': " + ec.message());
      // Another run created it meanwhile: merge like a reused folder.
    }
    merge_into(staging, target);
  }
  for (const File& f : files_) move_into_place(f.staging, f.target);
  committed_ = true;
  for (auto id : tracked_) untrack_for_signals(id);
  tracked_.clear();
}

void OutputStage::discard() noexcept {
  std::error_code ec;
  for (const File& f : files_) fs::remove(f.staging, ec);
  for (const Folder& f : folders_) fs::remove_all(f.staging, ec);
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  for (auto id : tracked_) untrack_for_signals(id);
  tracked_.clear();
}

OutputStage::~OutputStage() {
  if (!committed_) discard();
}

}  // namespace robomlx
