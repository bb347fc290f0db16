// SPDX-License-Identifier: Apache-2.0
// OutputStage (core/io/output_stage.h): outputs appear only on commit, a failed run changes
// nothing, a reused folder has exactly robomlx's previous outputs replaced, paths are checked
// when declared. Signals are tested end to end on the binary (tests/cli/cli_policy_test.cpp).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "support.h"

namespace robomlx {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string get(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> names(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

std::set<std::string> manifest(const fs::path& dir) {
  std::set<std::string> out;
  std::ifstream in(dir / kOutputManifest);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out.insert(line);
  return out;
}

TEST(OutputStage, NewFolderAppearsWholeOnCommit) {
  const fs::path root = test::temp_dir(), out = root / "out";
  OutputStage stage;
  const fs::path dir = stage.folder(out.string(), "--out");
  EXPECT_EQ(dir.parent_path(), root);  // a hidden sibling
  EXPECT_EQ(dir.filename().string().rfind(".out.tmp-", 0), 0u) << dir;
  put(dir / "a.png", "A");
  write_file_atomically((dir / "b.json").string(), "B");
  EXPECT_FALSE(fs::exists(out));  // nothing visible before commit
  stage.commit();
  EXPECT_EQ(names(out), (std::set<std::string>{"a.png", "b.json", kOutputManifest}));
  EXPECT_EQ(manifest(out), (std::set<std::string>{"a.png", "b.json"}));
  EXPECT_EQ(names(root), std::set<std::string>{"out"});  // no staging left
}

TEST(OutputStage, WithoutCommitNothingIsLeftIncludingCreatedParents) {
  const fs::path root = test::temp_dir();
  {
    OutputStage stage;
    put(fs::path(stage.folder((root / "a/b/out").string(), "--out")) / "x.png", "x");
    put(stage.file((root / "c/d.json").string(), "--json"), "{}");
    EXPECT_TRUE(fs::exists(root / "a/b"));
  }
  EXPECT_TRUE(names(root).empty());  // a/, a/b/, c/ were made by the stage and go with it
}

TEST(OutputStage, ReusedFolderReplacesOnlyRobomlxOutputs) {
  const fs::path root = test::temp_dir(), out = root / "out";
  {
    OutputStage first;
    const fs::path dir = first.folder(out.string(), "--out");
    put(dir / "disparity.png", "old");
    put(dir / "depth_mm.png", "old");
    put(dir / "cloud.ply", "old");
    first.commit();
  }
  put(out / "notes.txt", "mine");  // the user's own file
  {
    OutputStage second;
    const fs::path dir = second.folder(out.string(), "--out");
    EXPECT_EQ(dir.parent_path(), out);  // staged inside the reused folder
    put(dir / "disparity.png", "new");
    second.commit();
  }
  EXPECT_EQ(names(out), (std::set<std::string>{"disparity.png", "notes.txt", kOutputManifest}));
  EXPECT_EQ(get(out / "disparity.png"), "new");
  EXPECT_EQ(get(out / "notes.txt"), "mine");
  EXPECT_EQ(manifest(out), std::set<std::string>{"disparity.png"});
}

TEST(OutputStage, FailedRunIntoReusedFolderChangesNothing) {
  const fs::path root = test::temp_dir(), out = root / "out";
  {
    OutputStage first;
    put(fs::path(first.folder(out.string(), "--out")) / "a.png", "old");
    first.commit();
  }
  const std::string before = get(out / kOutputManifest);
  {
    OutputStage failed;
    put(fs::path(failed.folder(out.string(), "--out")) / "a.png", "new");
  }
  EXPECT_EQ(names(out), (std::set<std::string>{"a.png", kOutputManifest}));
  EXPECT_EQ(get(out / "a.png"), "old");
  EXPECT_EQ(get(out / kOutputManifest), before);
}

TEST(OutputStage, ManifestNeverReachesOutsideTheFolder) {
  const fs::path root = test::temp_dir(), out = root / "out";
  fs::create_directories(out);
  put(root / "precious.txt", "keep");
  put(out / "sub.txt", "keep");
  put(out / kOutputManifest, "../precious.txt\n" + (root / "precious.txt").string() + "\n.\n..\n");
  OutputStage stage;
  put(fs::path(stage.folder(out.string(), "--out")) / "a.png", "a");
  stage.commit();
  EXPECT_TRUE(fs::exists(root / "precious.txt"));
  EXPECT_TRUE(fs::exists(out / "sub.txt"));
  EXPECT_EQ(manifest(out), std::set<std::string>{"a.png"});
}

TEST(OutputStage, FilesAreStagedBesideTheTargetWithTheirExtension) {
  const fs::path root = test::temp_dir();
  put(root / "preview.png", "old preview");
  put(root / "centres.ply", "old centres");
  {
    OutputStage failed;  // a run that fails after writing its first output
    const fs::path preview = failed.file((root / "preview.png").string(), "--preview");
    EXPECT_EQ(preview.parent_path(), root);
    EXPECT_EQ(preview.extension(), ".png");  // writers that choose the format by extension still work
    failed.file((root / "centres.ply").string(), "--centres");
    put(preview, "new preview");
  }
  EXPECT_EQ(get(root / "preview.png"), "old preview");
  EXPECT_EQ(get(root / "centres.ply"), "old centres");
  EXPECT_EQ(names(root), (std::set<std::string>{"preview.png", "centres.ply"}));
  OutputStage ok;
  put(ok.file((root / "preview.png").string(), "--preview"), "new preview");
  put(ok.file((root / "centres.ply").string(), "--centres"), "new centres");
  ok.commit();
  EXPECT_EQ(get(root / "preview.png"), "new preview");
  EXPECT_EQ(get(root / "centres.ply"), "new centres");
  EXPECT_EQ(names(root), (std::set<std::string>{"preview.png", "centres.ply"}));
}

TEST(OutputStage, PathsAreCheckedWhenDeclared) {
  const fs::path root = test::temp_dir();
  put(root / "file", "x");
  fs::create_directories(root / "dir");
  OutputStage stage;
  EXPECT_THROW_MSG(stage.folder((root / "file").string(), "--out"), std::invalid_argument,
                   "[output] --out must be a folder, got '" + (root / "file").string() + "' (it exists and is not a folder)");
  EXPECT_THROW_MSG(stage.folder((root / "file/sub").string(), "--out"), std::invalid_argument, "is not a folder");
  EXPECT_THROW_MSG(stage.file((root / "dir").string(), "--json"), std::invalid_argument,
                   "[output] --json must be a file path, got '" + (root / "dir").string() + "' (it is a folder)");
  EXPECT_THROW_MSG(stage.file((root / "file/x.json").string(), "--json"), std::invalid_argument, "is not a folder");
  EXPECT_THROW_MSG(stage.file("", "--json"), std::invalid_argument, "--json must be a file path");
  EXPECT_THROW_MSG(check_output_file((root / "dir").string(), "--save"), std::invalid_argument, "it is a folder");
  EXPECT_THROW_MSG(check_output_file((root / "file/x.json").string(), "--save"), std::invalid_argument, "is not a folder");
  check_output_file((root / "new/deeper/x.json").string(), "--save");  // creatable: fine, and nothing made
  EXPECT_FALSE(fs::exists(root / "new"));
  // A place no one may write, root included (sysfs refuses new entries).
  if (fs::is_directory("/sys") && ::mkdir("/sys/robomlx-probe", 0777) != 0) {
    EXPECT_THROW_MSG(stage.folder("/sys/robomlx-out", "--out"), std::invalid_argument, "cannot create");
    EXPECT_THROW_MSG(stage.file("/sys/robomlx.json", "--json"), std::invalid_argument, "cannot create a file");
  }
  EXPECT_EQ(names(root), (std::set<std::string>{"file", "dir"}));  // failed declarations leave nothing
}

TEST(OutputStage, SignalRegistryTracksAndForgets) {
  // The cleanup itself runs in a signal-stopped process (tests/cli); here: the bookkeeping.
  const fs::path root = test::temp_dir();
  const auto id = track_for_signals((root / "x").string(), OnSignal::remove_file);
  untrack_for_signals(id);
  untrack_for_signals(id);  // twice is harmless
  auto lock = hold_signal_cleanup();
  const auto inner = track_for_signals((root / "y").string(), OnSignal::remove_folder);  // recursive: no deadlock
  untrack_for_signals(inner);
}

}  // namespace
}  // namespace robomlx
