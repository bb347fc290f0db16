// SPDX-License-Identifier: Apache-2.0
// The command policies of README "Output and command policies", end to end on the robomlx binary:
// one table of runs (arguments, exit code, a fragment of the one-line error, files that must and
// must not exist, files that must keep their bytes, stdout that proves no work was done), then
// runs stopped by SIGTERM / SIGINT that must leave no staging behind. Inputs are made at run time.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <mlx/mlx.h>

#include "robomlx/core/image.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "support.h"

extern char** environ;

namespace robomlx {
namespace {

namespace fs = std::filesystem;
namespace mx = mlx::core;

fs::path cli() { return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "apps/robomlx/robomlx"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// Staging names a run may never leave behind (core/io/output_stage.cpp, core/io/atomic_file.cpp).
std::vector<std::string> leftovers(const fs::path& root) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string n = e.path().filename().string();
    if (n.find(".tmp-") != std::string::npos || n.rfind(".robomlx-stage-", 0) == 0) found.push_back(e.path().string());
  }
  return found;
}

// Inputs, all small: a textured stereo pair shifted by 4 px, calibrations, configs, presets,
// Middlebury-style scenes, a depth image, point clouds.
void make_inputs(const fs::path& d) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> tex(48 * 68 * 3);
  for (auto& v : tex) v = static_cast<std::uint8_t>(rng() & 255);
  const mx::array wide(tex.data(), {48, 68, 3}, mx::uint8);
  const mx::array left = mx::slice(wide, {0, 4, 0}, {48, 68, 3}), right = mx::slice(wide, {0, 0, 0}, {48, 64, 3});
  write_png((d / "L.png").string(), Image::from_array(left));
  write_png((d / "R.png").string(), Image::from_array(right));
  fs::create_directories(d / "home");
  fs::create_directories(d / "adir");
  put(d / "afile", "not a folder");
  put(d / "empty.conf", "");
  // The ZED fixture without [RIGHT_CAM_VGA].
  std::istringstream conf(slurp(test::source_dir() + "/tests/data/stereo/SN12345.conf"));
  std::string line, half;
  bool skip = false;
  while (std::getline(conf, line)) {
    if (!line.empty() && line[0] == '[') skip = line.rfind("[RIGHT_CAM_VGA]", 0) == 0;
    if (!skip) half += line + "\n";
  }
  put(d / "half.conf", half);
  put(d / "p1.json", R"({"sgm": {"p1": 500}})");
  put(d / "mindepth.json", R"({"depth": {"min_depth_mm": 500}})");
  put(d / "mag9.json", R"({"chain": [{"block": "decimation", "options": {"filter_magnitude": 9}}]})");
  put(d / "blur.json", R"({"chain": ["decimation", "blur"]})");
  put(d / "emptychain.json", R"({"chain": ""})");
  put(d / "empty.json", "");
  Image z = Image::zeros(24, 32, 1, mx::uint16);
  for (std::size_t i = 0; i < z.num_samples(); ++i) z.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(800 + i % 97);
  write_pnm((d / "z.pgm").string(), z);
  // Scenes: one with a ground truth of the wrong size, one empty folder.
  fs::create_directories(d / "scene_gt");
  fs::create_directories(d / "scene_empty");
  const mx::array grey = mx::slice(left, {0, 0, 0}, {48, 64, 1});
  for (const char* n : {"imL.png", "nonocc.png", "all.png"}) write_png((d / "scene_gt" / n).string(), Image::from_array(grey));
  write_png((d / "scene_gt/imR.png").string(), Image::from_array(mx::slice(right, {0, 0, 0}, {48, 64, 1})));
  write_png((d / "scene_gt/groundtruth.png").string(), Image::from_array(mx::zeros({24, 32, 1}, mx::uint8)));
  put(d / "scene_gt/info.txt", "4 16\n");
  std::string ply = "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\nend_header\n";
  ply += "0 0 0\n1 0 0\n0 1 0\n0 0 1\n";
  put(d / "pts.ply", ply);
  put(d / "bad.ply", "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nend_header\n0\n");
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun run_cli(const std::string& args, const fs::path& d, const fs::path& io) {
  const std::string cmd = "cd " + d.string() + " && HOME=" + (d / "home").string() + " " + test::launcher_prefix() + cli().string() + " " + args +
                          " >" + (io / "stdout").string() + " 2>" + (io / "stderr").string();
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(io / "stdout");
  r.err = slurp(io / "stderr");
  return r;
}

// Every failing run prints exactly one error line, last; other stderr lines are announcements.
std::string one_line_problem(const std::string& err) {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  if (lines.empty()) return "stderr is empty";
  if (lines.back().rfind("robomlx: error: ", 0) != 0) return "the last stderr line is not 'robomlx: error: ...'";
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    if (lines[i].rfind("stereo: parameters from ", 0) != 0) return "extra stderr line: '" + lines[i] + "'";
  return "";
}

struct Case {
  std::string category;
  std::string args;                  // {d} = the folder of inputs and outputs
  int code;
  std::string message;               // in the error line (exit != 0)
  std::vector<std::string> exist{};  // relative to {d}
  std::vector<std::string> absent{};
  std::string stdout_lacks{};        // proves the work did not start
  std::vector<std::string> unchanged{};  // files whose bytes the run must not change
  std::function<void(const fs::path&)> before{};
};

const std::string kPair = "stereo depth --left L.png --right R.png --max-disparity 16";

std::vector<Case> cases() {
  const std::string& S = kPair;
  return {
      // CLI11's parse errors: one line, exit 2.
      {"parse", "--device bogus info", 2, "--device: bogus not in {auto,cpu,gpu}"},
      {"parse", S + " --max-disparity 99999999999 --out p2", 2, "--max-disparity", {}, {"p2"}},
      {"parse", "bench core --repeats 0", 2, "--repeats", {}, {}, "suite"},
      {"parse", "info --no-such-flag", 2, "--no-such-flag"},
      {"parse", "sparse train-demo --steps many", 2, "--steps"},
      {"parse", "depth process --out p6", 2, "--input is required", {}, {"p6"}},
      {"parse", "splat train --data adir", 2, "--out is required"},
      {"parse", "frobnicate", 2, "unknown command 'frobnicate' (commands: bench, cloud, depth, generate, models, info, launch, port-scan, serve, sim, sparse, splat, stereo, vision)"},
      {"parse", "launch --ranks 0 -- true", 2, "--ranks"},
      {"parse", "launch --ranks 2 --backend gloo -- true", 2, "--backend: gloo not in {ring,nccl,mpi}"},
      {"parse", "stereo frobnicate", 2, "unknown command 'stereo frobnicate' (commands: depth, eval, tune, live)"},
      {"parse", "stereo", 2, "'stereo' needs a command: depth, eval, tune, live"},
      // Whole-config validation: defaults, file, --set and flags merged, then validated once.
      {"config", S + " --set sgm.p1=500 --set sgm.p2=1000 --out c1", 0, "", {"c1/disparity.png"}},
      {"config", S + " --set sgm.p2=1000 --set sgm.p1=500 --out c2", 0, "", {"c2/disparity.png"}},
      {"config", S + " --set sgm.p1=500 --out c3", 2,
       "[stereo.sgm] p2 must be in [500, 4000], got 120 (p2 >= p1); settings merged from: defaults, --set sgm.p1=500",
       {}, {"c3"}},
      {"config", S + " --config p1.json --set sgm.p2=1000 --out c4", 0, "", {"c4/disparity.png"}},
      {"config", S + " --config p1.json --set sgm.p2=50 --out c5b", 2, "got 50 (p2 >= p1); settings merged from: defaults, "
       "p1.json, --set sgm.p2=50, --max-disparity 16", {}, {"c5b"}},
      {"config", S + " --config p1.json --out c5", 3, "p1.json: [stereo.sgm] p2 must be in [500, 4000], got 120 (p2 >= p1)",
       {}, {"c5"}},
      {"config", S + " --config mindepth.json --set depth.max_depth_mm=100 --out c6", 2,
       "depth.max_depth_mm must be in [500, 1e+09], got 100 (depth.max_depth_mm >= depth.min_depth_mm); settings merged "
       "from: defaults, mindepth.json, --set depth.max_depth_mm=100"},
      {"config", S + " --set depth.focal_px=500 --baseline-mm 100 --out c7", 0, "", {"c7/depth_mm.png", "c7/cloud.ply"}},
      {"config", S + " --set sgm.p3=1 --out c8", 2, "unknown key 'sgm.p3'", {}, {"c8"}},
      {"config",
       "depth process --input z.pgm --preset mag9.json --set decimation.filter_magnitude=2 --outputs depth --no-progress "
       "--out c9",
       0, "", {"c9/depth_000000.png", "c9/summary.json"}},
      {"config", "depth process --input z.pgm --preset mag9.json --outputs depth --out c10", 3,
       "mag9.json: [depth.decimation] filter_magnitude must be in [1, 8], got 9", {}, {"c10"}},
      {"config", "depth process --input z.pgm --chain decimation --set decimation.filter_magnitude=9 --outputs depth --out c11",
       2, "got 9; settings merged from: --chain, --set decimation.filter_magnitude=9", {}, {"c11"}},
      // Problems of an input file: exit 3, the file named.
      {"file", S + " --calib empty.conf --resolution VGA --out f1", 3, "empty.conf: no camera sections", {}, {"f1"}},
      {"file", S + " --calib adir --resolution VGA --out f2", 3, "adir: is a folder, expected a ZED calibration file", {}, {"f2"}},
      {"file", S + " --calib half.conf --resolution VGA --out f3", 3, "half.conf: missing section [RIGHT_CAM_VGA]", {}, {"f3"}},
      {"file", "stereo eval scene_gt", 3, "groundtruth.png: is 32x24 but imL.png is 64x48"},
      {"file", "depth process --input z.pgm --preset blur.json --out f5", 3, "blur.json: field 'chain[1]': unknown block 'blur'",
       {}, {"f5"}},
      {"file", S + " --config adir --out f6", 3, "adir: is a folder, expected a JSON config file", {}, {"f6"}},
      {"file", "stereo eval scene_empty", 3, "scene_empty: is not a scene folder: it has no info.txt"},
      {"file", "splat train --data adir --out f10", 3, "[splat.capture] ", {}, {"f10"}},
      {"file", "splat train --data adir --resume home --out f11", 3, "[splat.train] ", {}, {"f11"}},
      {"file", "sim train --task cartpole --resume adir --steps 10 --out f12", 3, "[sim.checkpoint] ", {}, {"f12"}},
      {"file", "sim play --task cartpole --checkpoint adir --out f13.gif", 3, "[sim.checkpoint] ", {}, {"f13.gif"}},
      {"file", "depth process --input z.pgm --preset emptychain.json --out f8", 3, "emptychain.json: field 'chain': ", {}, {"f8"}},
      {"file", "depth process --input z.pgm --preset empty.json --out f9", 3, "empty.json: invalid JSON", {}, {"f9"}},
      {"file", "launch --hosts afile -- true", 3, "afile: invalid JSON"},
      {"file", "launch --hosts adir -- true", 3, "adir: cannot read the --hosts file"},
      // Option values: what is wrong with the value itself, exit 2.
      {"value", S + " --focal -500 --baseline-mm 160 --out v1", 2,
       "[stereo] --focal must be the rectified focal length in px, a finite number > 0, got -500", {}, {"v1"}},
      {"value", S + " --focal nan --baseline-mm 160 --out v2", 2, "--focal must be the rectified focal length in px, a finite "
       "number > 0, got nan", {}, {"v2"}},
      {"value", S + " --focal 935 --out v3", 2,
       "depth.focal_px and depth.baseline_mm must be given together (both > 0 for metric outputs, or both 0), got 935 and 0",
       {}, {"v3"}},
      {"value", S + " --focal 935 --baseline-mm inf --out v4", 2, "--baseline-mm must be the stereo baseline in mm", {}, {"v4"}},
      {"value", "depth process --input z.pgm --chain \"\" --out v5", 2, "--chain is empty", {}, {"v5"}},
      {"value", "depth process --input z.pgm --chain ' ' --out v6", 2, "--chain is empty", {}, {"v6"}},
      {"value", "depth process --input z.pgm --chain \"\" --preset mag9.json --out v7", 2, "either --chain or --preset", {}, {"v7"}},
      {"value", "stereo live --no-window --out v8", 2, "--out with --no-window needs --frames N", {}, {"v8"}},
      {"value", "splat train --data adir --resolution 0 --out v9", 2, "[splat.train] resolution", {}, {"v9"}},
      {"value", "launch --ranks 2", 2, "[launch] give the command after --"},
      {"value", "splat train --data adir --views-per-step 0 --out v10", 2, "--views-per-step", {}, {"v10"}},
      {"value", "sim run --task nope", 2, "[sim.task] unknown task 'nope' (tasks: cartpole"},
      {"value", "sim train --task cartpole --num-envs 0 --out v11", 2, "[sim.env] num_envs must be in [1, 1048576], got 0",
       {}, {"v11"}},
      {"value", "sim train --task cartpole --hidden 64,0 --out v12", 2, "--hidden: Value 0 not in range 1 to 4096", {}, {"v12"}},
      {"value", "sim train --task cartpole --reward-scale 0 --out v13", 2, "[sim.ppo] reward scale must be a positive number",
       {}, {"v13"}},
      {"value", "sim run --task cartpole --num-envs 2000000000", 2, "[sim.env] num_envs must be in [1, 1048576]"},
      {"value", "sim train --task cartpole --eval-envs 0 --out v14", 2, "--eval-envs: Value 0 not in range 1 to 1048576",
       {}, {"v14"}},
      // Output paths are checked before any work (stdout shows none was done): exit 2, path named.
      {"early", S + " --out afile/sub", 2, "[output] --out must be a writable path, got '", {}, {}, "valid disparities"},
      {"early", S + " --out /sys/robomlx-cli-test", 2, "/sys/robomlx-cli-test", {}, {}, "valid disparities"},
      {"early", S + " --out e3 --disparity-out adir", 2, "--disparity-out must be a file path", {}, {"e3"}, "valid disparities"},
      {"early", S + " --out afile", 2, "(it exists and is not a folder)", {}, {}, "valid disparities", {"afile"}},
      {"early", "sparse train-demo --steps 1000000 --json afile/x.json", 2, "--json must be", {}, {}, "train-demo on"},
      {"early", "sparse train-demo --steps 1000000 --json /sys/robomlx.json", 2, "/sys/robomlx.json", {}, {}, "train-demo on"},
      {"early", "depth process --input z.pgm --chain decimation --outputs depth --out afile/o", 2, "--out must be", {}, {},
       "processed"},
      {"early", "cloud stats --input pts.ply --preview adir", 2, "--preview must be a file path", {}, {}, "points"},
      {"early", "cloud stats --input pts.ply --centres /sys/c.ply", 2, "--centres", {}, {}, "points"},
      {"early", "bench core --json afile/b.json", 2, "--json must be", {}, {}, "suite"},
      {"early", "stereo eval scene_gt --json /sys/e.json", 2, "--json", {}, {}, "bad-X"},
      {"early", "stereo tune --left L.png --right R.png --save adir", 2, "--save must be a file path"},
      {"early", "splat train --data adir --out afile/o", 2, "--out must be", {}, {}, "trained"},
      {"early", "sim train --task cartpole --out afile/o", 2, "--out must be", {}, {}, "trained"},
      {"early", "sim play --task cartpole --out afile/o.gif", 2, "--out must be", {}, {}, "steps"},
      // Output folders written as a whole; a reused one has robomlx's previous outputs replaced.
      {"outputs", S + " --focal 500 --baseline-mm 100 --out o", 0, "", {"o/depth_mm.png", "o/cloud.ply", "o/.robomlx-outputs"}},
      {"outputs", S + " --out o", 0, "", {"o/disparity.png", "o/notes.txt"}, {"o/depth_mm.png", "o/cloud.ply"}, "", {"o/notes.txt"},
       [](const fs::path& d) { put(d / "o/notes.txt", "the user's own file"); }},
      {"outputs", S + " --focal 500 --baseline-mm 100 --calib empty.conf --resolution VGA --out o", 3, "empty.conf",
       {"o/disparity.png"}, {"o/depth_mm.png"}, "", {"o/disparity.png", "o/.robomlx-outputs", "o/notes.txt"}},
      {"outputs", S + " --out o --disparity-out o/d.png", 0, "", {"o/d.png", "o/disparity.png", "o/notes.txt"}},
      {"outputs", "cloud stats --input pts.ply --preview pv.png --centres ce.ply --json st.json", 0, "",
       {"pv.png", "ce.ply", "st.json"}},
      {"outputs", "cloud stats --input bad.ply --preview pv.png --centres ce.ply --json st.json", 3, "bad.ply", {}, {}, "",
       {"pv.png", "ce.ply", "st.json"}},
      {"outputs", "depth process --input z.pgm --chain decimation --outputs depth,cloud --intrinsics 20,20,16,12 "
       "--no-progress --out dp", 0, "", {"dp/cloud_000000.ply", "dp/depth_000000.png"}},
      {"outputs", "depth process --input z.pgm z.pgm --chain decimation --outputs depth --no-progress --out dp", 0, "",
       {"dp/depth_000001.png", "dp/summary.json"}, {"dp/cloud_000000.ply"}},
      {"outputs", "depth process --input z.pgm --chain decimation --outputs depth --no-progress --out nested/a/b", 0, "",
       {"nested/a/b/depth_000000.png"}},
      {"outputs", "depth process --input missing.pgm --chain decimation --outputs depth --out gone/a/b", 3, "missing.pgm", {},
       {"gone"}},
  };
}

class CliPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(cli())) GTEST_SKIP() << "CLI binary not built at " << cli() << " (build robomlx_cli)";
    d_ = test::temp_dir();
    io_ = test::temp_dir();
    make_inputs(d_);
  }
  fs::path d_, io_;
};

TEST_F(CliPolicy, Table) {
  std::map<std::string, int> counts;
  const bool have_stereo = run_cli("stereo depth --help", d_, io_).code == 0;
  for (const Case& c : cases()) {
    const bool stereo = c.args.rfind("stereo", 0) == 0;
    if (stereo && !have_stereo) continue;
    SCOPED_TRACE("robomlx " + c.args);
    if (c.before) c.before(d_);
    std::map<std::string, std::string> kept;
    for (const auto& f : c.unchanged) kept[f] = slurp(d_ / f);
    const CliRun r = run_cli(c.args, d_, io_);
    EXPECT_EQ(r.code, c.code) << "stderr: " << r.err;
    if (c.code != 0) {
      EXPECT_EQ(one_line_problem(r.err), "") << "stderr: " << r.err;
      EXPECT_NE(r.err.find(c.message), std::string::npos) << "want '" << c.message << "' in: " << r.err;
    }
    for (const auto& f : c.exist) EXPECT_TRUE(fs::exists(d_ / f)) << f << " must exist";
    for (const auto& f : c.absent) EXPECT_FALSE(fs::exists(d_ / f)) << f << " must not exist";
    for (const auto& [f, bytes] : kept) EXPECT_EQ(slurp(d_ / f), bytes) << f << " must not change";
    if (!c.stdout_lacks.empty()) {
      EXPECT_EQ(r.out.find(c.stdout_lacks), std::string::npos) << "the work started: " << r.out;
    }
    EXPECT_TRUE(leftovers(d_).empty()) << "left behind: " << leftovers(d_)[0];
    ++counts[c.category];
  }
  std::string table;
  int total = 0;
  for (const auto& [category, n] : counts) table += " " + category + " " + std::to_string(n) + ";", total += n;
  std::printf("[cli policies] %d runs:%s\n", total, table.c_str());
}

// ---- signals --------------------------------------------------------------------------------

pid_t spawn(const std::vector<std::string>& args, const fs::path& d, const fs::path& io) {
  std::vector<std::string> argv = test::launcher();
  argv.push_back(cli().string());
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, (io / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (io / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // Default dispositions in the child, whatever the test runner ignores.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  // posix_spawnp: argv[0] is the emulator (found on PATH) in a cross build, else the CLI's path.
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  (void)d;
  return rc == 0 ? pid : -1;
}

// Waits until `ready` holds (polling), up to 60 s; false if the child exited first.
bool wait_for(pid_t pid, const std::function<bool()>& ready) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
    if (ready()) return true;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// A staging folder (or file) under `dir` holding at least `min_entries` entries (files: 0).
bool staging_in(const fs::path& dir, std::size_t min_entries) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.find(".tmp-") == std::string::npos && n.rfind(".robomlx-stage-", 0) != 0) continue;
    if (!e.is_directory()) return true;
    std::size_t count = 0;
    for (auto it = fs::directory_iterator(e.path(), ec); it != fs::directory_iterator(); ++it) ++count;
    if (count >= min_entries) return true;
  }
  return false;
}

// Stops the run with `sig` once `ready`; expects it to die of that signal.
void stop_with(int sig, pid_t pid, const std::function<bool()>& ready, const fs::path& io) {
  ASSERT_GT(pid, 0);
  const bool seen = wait_for(pid, ready);
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(seen) << "the staging never appeared; stderr: " << slurp(io / "stderr");
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status) << ", stderr: " << slurp(io / "stderr");
  EXPECT_EQ(WTERMSIG(status), sig);
}

std::vector<std::string> long_depth_run(const fs::path& d, const std::string& out) {
  // 640x480 frames through spatial + temporal: seconds of work on a CPU, outputs frame by frame.
  Image z = Image::zeros(480, 640, 1, mx::uint16);
  for (std::size_t i = 0; i < z.num_samples(); ++i) z.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(600 + (i * 7919) % 3001);
  write_pnm((d / "big.pgm").string(), z);
  std::vector<std::string> args{"depth", "process", "--chain", "spatial,temporal", "--outputs", "depth", "--no-progress",
                                "--out", out, "--input"};
  for (int i = 0; i < 200; ++i) args.push_back((d / "big.pgm").string());
  return args;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = slurp(e.path());
  return files;
}

TEST_F(CliPolicy, SigtermDuringANewOutputFolderLeavesNothing) {
  fs::create_directories(d_ / "sig");
  // --out two folders deep below sig/: the parents the run created go too.
  const fs::path out = d_ / "sig/a/b/out";
  const pid_t pid = spawn(long_depth_run(d_, out.string()), d_, io_);
  stop_with(SIGTERM, pid, [&] { return staging_in(d_ / "sig/a/b", 1); }, io_);
  EXPECT_TRUE(fs::is_empty(d_ / "sig")) << "left behind under " << d_ / "sig";
}

TEST_F(CliPolicy, SigintDuringAReusedFolderLeavesItAsItWas) {
  const fs::path out = d_ / "reused";
  ASSERT_EQ(run_cli("depth process --input z.pgm --chain decimation --outputs depth --no-progress --out reused", d_, io_).code, 0);
  put(out / "notes.txt", "mine");
  const auto before = snapshot(out);
  const pid_t pid = spawn(long_depth_run(d_, out.string()), d_, io_);
  stop_with(SIGINT, pid, [&] { return staging_in(out, 1); }, io_);
  EXPECT_EQ(snapshot(out), before);
  EXPECT_TRUE(leftovers(d_).empty());
}

TEST_F(CliPolicy, SigtermDuringAStagedFileLeavesNothing) {
  fs::create_directories(d_ / "sig");
  const pid_t pid = spawn({"sparse", "train-demo", "--steps", "1000000", "--json", (d_ / "sig/train.json").string()}, d_, io_);
  stop_with(SIGTERM, pid, [&] { return staging_in(d_ / "sig", 0); }, io_);
  EXPECT_TRUE(fs::is_empty(d_ / "sig")) << "left behind under " << d_ / "sig";
}

TEST_F(CliPolicy, SighupDuringAStereoRunLeavesNothing) {
  if (run_cli("stereo depth --help", d_, io_).code != 0) GTEST_SKIP() << "no stereo command in this build";
  fs::create_directories(d_ / "sig");
  // A 640x480 pair over 128 disparities: long enough to be stopped while matching.
  Image big = Image::zeros(480, 640, 3, mx::uint8);
  std::mt19937 rng(3);
  for (auto& b : big.bytes) b = static_cast<std::uint8_t>(rng() & 255);
  write_png((d_ / "big.png").string(), big);
  const pid_t pid = spawn({"stereo", "depth", "--left", (d_ / "big.png").string(), "--right", (d_ / "big.png").string(),
                           "--max-disparity", "128", "--out", (d_ / "sig/out").string(), "--disparity-out",
                           (d_ / "sig/d.pfm").string()},
                          d_, io_);
  stop_with(SIGHUP, pid, [&] { return staging_in(d_ / "sig", 0); }, io_);
  EXPECT_TRUE(fs::is_empty(d_ / "sig")) << "left behind under " << d_ / "sig";
}

}  // namespace
}  // namespace robomlx
