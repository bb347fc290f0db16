// SPDX-License-Identifier: Apache-2.0
// The output policy of every command (README "Output and command policies"): outputs are
// declared before the work starts, written into staging places, and moved into place together
// only when the whole run succeeded.
//
//   OutputStage stage;                                   // one per command run
//   std::string dir = stage.folder(out, "--out");         // checks --out now, returns the staging folder
//   std::string json = stage.file(json_path, "--json");   // checks now, returns a temporary path
//   ... compute, write into dir / json ...
//   stage.commit();                                      // everything appears; nothing before
//
// - Declaring checks the path at once (std::invalid_argument naming the option and the path:
//   exit 2): a file that is a folder, a folder that is a file, a parent that cannot be created,
//   a place that is not writable. Missing parent folders are created and removed again if the
//   run fails.
// - A new output folder is staged as a hidden sibling (.NAME.tmp-XXXXXX) and appears by one
//   rename. A reused folder is staged inside (.robomlx-stage-XXXXXX); commit replaces only
//   robomlx's own outputs: the files listed in the folder's manifest (.robomlx-outputs, written
//   by every commit) that the new run does not write again are removed, the new files are moved
//   in, and the manifest then lists exactly the new run's files. Files robomlx did not write are
//   never touched (a mistyped --out must not delete a user's data).
// - Single files are staged beside their target (.NAME.tmp-XXXXXX.EXT, the extension kept so
//   writers that pick the format from it still work) and renamed over it.
// - Without commit() (an exception, an early return) the destructor removes every staged file
//   and folder. After remove_staged_outputs_on_signals(), SIGINT, SIGTERM and SIGHUP do the same
//   (and AtomicFile temporaries go too), then the process dies of the signal as it would have.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace robomlx {

/// Name of the manifest a committed output folder holds: one file name per line.
inline constexpr const char* kOutputManifest = ".robomlx-outputs";

class OutputStage {
 public:
  OutputStage() = default;
  ~OutputStage();
  OutputStage(const OutputStage&) = delete;
  OutputStage& operator=(const OutputStage&) = delete;

  /// Declares the output folder `target`; returns the staging folder to write its files into.
  std::string folder(const std::string& target, const std::string& option);
  /// Declares the output file `target`; returns the temporary path to write it to.
  std::string file(const std::string& target, const std::string& option);
  /// Moves every declared output into place (folders first, then files, in declaration order).
  /// Signal cleanup waits while a commit runs, so a signal never cuts one half-way.
  void commit();
  bool committed() const { return committed_; }

 private:
  struct Folder {
    std::string target, staging;
    bool existed = false;  // reused folder: staged inside, merged on commit
  };
  struct File {
    std::string target, staging;
  };
  std::vector<std::uint64_t> tracked_;     // signal-cleanup registrations (removed on commit)
  std::vector<std::string> created_dirs_;  // parent folders this stage created, outermost first
  std::vector<Folder> folders_;
  std::vector<File> files_;
  bool committed_ = false;

  void make_parents(const std::string& path, const std::string& option);
  void discard() noexcept;
};

/// Checks, without creating anything, that `path` can be written as a file later (for writers
/// that commit by themselves, e.g. a config saved from an interactive session). Throws
/// std::invalid_argument naming `option` and the path.
void check_output_file(const std::string& path, const std::string& option);

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove every staged output (and
/// AtomicFile temporary) of this process, then re-raise the signal with its default action.
/// Async-signal-safe by construction: the handler only write()s the signal number to a pipe; a
/// cleanup thread started here reads it and does the removal with ordinary code (no allocation or
/// locks in the handler). Idempotent; the CLI calls it first thing.
void remove_staged_outputs_on_signals();

/// What the signal cleanup does with a registered path.
enum class OnSignal {
  remove_file,          // unlink
  remove_folder,        // the folder and everything in it (a staging folder)
  remove_empty_folder,  // rmdir only: a parent folder a stage created, kept if anything else is in it
};

/// Registers `path` for removal if a signal stops the process; returns a handle for
/// untrack_for_signals. Removal runs newest registration first. Used by OutputStage and AtomicFile.
std::uint64_t track_for_signals(const std::string& path, OnSignal what);
void untrack_for_signals(std::uint64_t id) noexcept;
/// Held while a commit moves files into place, and while a staged path is created and tracked: the
/// signal cleanup waits for it (recursive, so the holder may still track and untrack).
std::unique_lock<std::recursive_mutex> hold_signal_cleanup();

}  // namespace robomlx
