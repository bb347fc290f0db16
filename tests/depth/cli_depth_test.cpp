// SPDX-License-Identifier: Apache-2.0
// `robomlx depth process` end to end (the library entry behind the CLI, then the binary's exit
// codes): outputs on the real recording, and bad input leaving nothing behind.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <mlx/mlx.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/error.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/pipeline_run.h"
#include "robomlx/depth/recording.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

std::string real_bag() { return test::shared_dir() + "/data/realsense/single_depth_color_640x480.bag"; }
std::string golden(const std::string& p) { return test::shared_dir() + "/golden/realsense/" + p; }

// Nothing but `keep` may exist in `dir` (no temporary folders left behind).
void expect_only(const std::string& dir, const std::vector<std::string>& keep) {
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    EXPECT_NE(std::find(keep.begin(), keep.end(), name), keep.end()) << "left behind: " << name;
  }
}

ProcessRequest request(const std::string& out, std::vector<std::string> inputs, const std::string& chain) {
  ProcessRequest r;
  r.inputs = std::move(inputs);
  r.out_dir = out;
  r.chain = parse_chain(chain);
  r.progress = false;
  return r;
}

TEST(DepthCli, RecordingThroughDecimationMatchesGolden) {
  std::string root = test::temp_dir();
  auto r = request(root + "/out", {real_bag()}, "decimation");
  r.outputs = {"depth"};
  std::ostringstream progress;
  auto summary = run_process(r, progress);
  EXPECT_EQ(summary["frame_count"], 2);
  EXPECT_EQ(summary["frames"][1]["frame_number"], 170);
  EXPECT_EQ(summary["chain"][0]["block"], "decimation");
  EXPECT_EQ(summary["chain"][0]["options"]["filter_magnitude"], 2.0);
  EXPECT_FLOAT_EQ(summary["recording"]["baseline_mm"].get<float>(), 50.1706657f);
  Image got = read_png(root + "/out/depth_000001.png");
  Image want = read_pnm(golden("decimation_real_s2/depth.pgm"));
  ASSERT_EQ(got.width, 320);
  EXPECT_TRUE(exactly_equal(got.to_array(), want.to_array()).ok);
  EXPECT_TRUE(fs::exists(root + "/out/summary.json"));
  expect_only(root, {"out"});
}

TEST(DepthCli, AllOutputsOnTheRecording) {
  std::string root = test::temp_dir();
  auto r = request(root + "/out", {real_bag()}, "decimation");
  r.outputs = {"depth", "cloud"};
  r.chain.pointcloud = {{"filter_magnitude", 1}};  // occlusion removal off: every valid pixel is a point
  r.outputs.push_back("colorized");
  std::ostringstream progress;
  r.progress = true;
  auto summary = run_process(r, progress);
  EXPECT_NE(progress.str().find("2/2 frames"), std::string::npos);
  Image c = read_png(root + "/out/colorized_000001.png");
  EXPECT_EQ(c.channels, 3);
  EXPECT_EQ(c.width, 320);
  // The PLY holds exactly the valid (non-zero) pixels of the written depth, coloured.
  Image d = read_png(root + "/out/depth_000001.png");
  std::size_t valid = 0;
  for (std::size_t i = 0; i < d.num_samples(); ++i) valid += d.data<std::uint16_t>()[i] != 0;
  std::ifstream ply(root + "/out/cloud_000001.ply", std::ios::binary);
  std::string header, line;
  while (std::getline(ply, line) && line != "end_header") header += line + "\n";
  EXPECT_NE(header.find("format binary_little_endian 1.0"), std::string::npos);
  EXPECT_NE(header.find("element vertex " + std::to_string(valid) + "\n"), std::string::npos) << header;
  EXPECT_NE(header.find("property uchar red"), std::string::npos) << "cloud should be coloured from the colour stream";
  std::string body((std::istreambuf_iterator<char>(ply)), {});
  ASSERT_EQ(body.size(), valid * 15);
  // First valid pixel: z = raw * depth_units, x = (u - ppx) / fx * z with the decimated intrinsics.
  std::size_t first = 0;
  while (d.data<std::uint16_t>()[first] == 0) ++first;
  float xyz[3];
  std::memcpy(xyz, body.data(), 12);
  float z = d.data<std::uint16_t>()[first] * 0.001f;
  EXPECT_NEAR(xyz[2], z, 1e-6f);
  EXPECT_EQ(summary["frames"][1]["points"], valid);
  // Colours: an independent projection of every 997th point into the colour image (zero
  // distortion in this recording), nearest pixel as librealsense's PLY export.
  Recording rec = read_recording(real_bag());
  Image colour = read_pnm(golden("inputs/real_color_640x480.ppm"));
  const Extrinsics& e = *rec.depth_to_color;
  const Intrinsics& ci = *rec.color_intrinsics;
  int checked = 0;
  for (std::size_t i = 0; i < valid; i += 997) {
    float p[3];
    std::memcpy(p, body.data() + 15 * i, 12);
    float q[3];
    for (int r = 0; r < 3; ++r) q[r] = e.rotation[r] * p[0] + e.rotation[3 + r] * p[1] + e.rotation[6 + r] * p[2] + e.translation[r];
    float u = q[0] / q[2] * ci.fx + ci.ppx, v = q[1] / q[2] * ci.fy + ci.ppy;
    if (std::abs(u - std::floor(u) - 0.5f) < 1e-2f || std::abs(v - std::floor(v) - 0.5f) < 1e-2f) continue;
    int x = std::clamp(int(std::lround(u)), 0, colour.width - 1), y = std::clamp(int(std::lround(v)), 0, colour.height - 1);
    for (int c = 0; c < 3; ++c)
      EXPECT_EQ(static_cast<unsigned char>(body[15 * i + 12 + c]), colour.at<std::uint8_t>(y, x, c)) << "point " << i;
    ++checked;
  }
  EXPECT_GT(checked, 50);
  EXPECT_EQ(summary["output_options"]["pointcloud"]["filter_magnitude"], 1.0);
}

TEST(DepthCli, BadInputLeavesNothing) {
  std::string root = test::temp_dir();
  std::string out = root + "/out";
  std::ostringstream progress;
  auto no_outputs = [&] { expect_only(root, {"d8.pgm", "small.pgm", "big.pgm"}); };
  // Unknown block, bad option range.
  EXPECT_THROW(run_process(request(out, {real_bag()}, "decimation,blur"), progress), std::invalid_argument);
  no_outputs();
  // 8-bit image is not Z16.
  write_pnm(root + "/d8.pgm", Image::zeros(4, 6, 1, mx::uint8));
  auto r8 = request(out, {root + "/d8.pgm"}, "decimation");
  r8.outputs = {"depth"};
  EXPECT_THROW_MSG(run_process(r8, progress), FormatError, "expected a 16-bit single-channel depth image (Z16 raw units), got 8-bit");
  no_outputs();
  // Sizes differ between frames.
  write_pnm(root + "/small.pgm", Image::zeros(4, 6, 1, mx::uint16));
  write_pnm(root + "/big.pgm", Image::zeros(8, 6, 1, mx::uint16));
  auto rs = request(out, {root + "/small.pgm", root + "/big.pgm"}, "decimation");
  rs.outputs = {"depth"};
  EXPECT_THROW_MSG(run_process(rs, progress), FormatError, "frame is 6x8 but the first input is 6x4");
  no_outputs();
  // Disparity transform without a baseline / focal length.
  auto rb = request(out, {root + "/small.pgm"}, "depth2disparity,disparity2depth");
  rb.outputs = {"depth"};
  EXPECT_THROW_MSG(run_process(rb, progress), std::invalid_argument, "intrinsics.fx finite and > 0");
  rb.intrinsics = Intrinsics{6, 4, 3, 2, 5, 5, Distortion::none, {}};
  EXPECT_THROW_MSG(run_process(rb, progress), std::invalid_argument, "needs the stereo baseline");
  no_outputs();
  // Zero / NaN intrinsics on the command line.
  auto rz = request(out, {root + "/small.pgm"}, "decimation");
  rz.intrinsics = Intrinsics{6, 4, 3, 2, 0, 5, Distortion::none, {}};
  EXPECT_THROW_MSG(rz.validate(), std::invalid_argument, "--intrinsics fx,fy must be finite and > 0");
  rz.intrinsics->fx = std::nanf("");
  EXPECT_THROW_MSG(rz.validate(), std::invalid_argument, "fx=nan");
  // Cloud from an image without intrinsics.
  auto rc = request(out, {root + "/small.pgm"}, "decimation");
  rc.outputs = {"cloud"};
  try {
    run_process(rc, progress);
    ADD_FAILURE() << "cloud without intrinsics must fail";
  } catch (const std::exception& e) {
    std::string w = e.what();
    EXPECT_TRUE(w.find("intrinsics.fx") != std::string::npos || w.find("pointcloud block") != std::string::npos) << w;
  }
  no_outputs();
  // Corrupt recording.
  std::string bytes;
  {
    std::ifstream in(real_bag(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string cut = root + "/cut.bag";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto rcut = request(out, {cut}, "standard");
  rcut.outputs = {"depth"};
  EXPECT_THROW_MSG(run_process(rcut, progress), FormatError, "cut.bag: byte offset 4117: chunk record (op 0x5), field 'data': truncated");
  fs::remove(cut);
  no_outputs();
  // Outputs, extension.
  auto ro = request(out, {root + "/small.pgm"}, "decimation");
  ro.outputs = {"depth", "mesh"};
  EXPECT_THROW_MSG(run_process(ro, progress), std::invalid_argument, "unknown output 'mesh' (known: depth, colorized, cloud)");
  auto rx = request(out, {root + "/x.tiff"}, "decimation");
  rx.outputs = {"depth"};
  EXPECT_THROW_MSG(run_process(rx, progress), std::invalid_argument, "unsupported extension '.tiff'");
  no_outputs();
}

TEST(DepthCli, ReusedOutHasOnlyTheLastRunsOutputs) {
  std::string root = test::temp_dir();
  Image z = Image::zeros(8, 12, 1, mx::uint16);
  for (std::size_t i = 0; i < z.num_samples(); ++i) z.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(900 + i);
  write_pnm(root + "/z.pgm", z);
  std::ostringstream progress;
  auto first = request(root + "/out", {root + "/z.pgm", root + "/z.pgm"}, "decimation");
  first.outputs = {"depth", "cloud"};
  first.intrinsics = Intrinsics{12, 8, 6, 4, 10, 10, Distortion::none, {}};
  run_process(first, progress);
  EXPECT_TRUE(fs::exists(root + "/out/cloud_000001.ply"));
  std::ofstream(root + "/out/notes.txt") << "mine";
  auto second = request(root + "/out", {root + "/z.pgm"}, "decimation");
  second.outputs = {"depth"};
  run_process(second, progress);
  // The first run's frame 1 and clouds are gone, the user's file stays, nothing else is left.
  expect_only(root + "/out", {"depth_000000.png", "summary.json", "notes.txt", ".robomlx-outputs"});
  expect_only(root, {"z.pgm", "out"});
  // A run that fails (no such input) changes nothing.
  auto failed = request(root + "/out", {root + "/none.pgm"}, "decimation");
  failed.outputs = {"depth"};
  EXPECT_THROW(run_process(failed, progress), FormatError);
  expect_only(root + "/out", {"depth_000000.png", "summary.json", "notes.txt", ".robomlx-outputs"});
  expect_only(root, {"z.pgm", "out"});
}

TEST(DepthCli, ChainMustEndInDepth) {
  std::string root = test::temp_dir();
  auto r = request(root + "/out", {real_bag()}, "depth2disparity");
  r.outputs = {"depth"};
  std::ostringstream progress;
  EXPECT_THROW_MSG(run_process(r, progress), std::invalid_argument, "the chain must end with Z16 depth");
  expect_only(root, {});
}

// The binary's exit codes (2 bad argument, 3 bad file, 4 unsupported) with one-line errors.
std::string cli_path() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  auto p = fs::path(buf).parent_path().parent_path() / "apps" / "robomlx" / "robomlx";
  return fs::exists(p) ? p.string() : "";
}

int run_cli(const std::string& args, std::string& err) {
  std::string errfile = test::temp_dir() + "/err.txt";
  int rc = std::system((test::launcher_prefix() + cli_path() + " " + args + " >/dev/null 2>" + errfile).c_str());
  std::ifstream in(errfile);
  err.assign(std::istreambuf_iterator<char>(in), {});
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(DepthCli, BinaryExitCodes) {
  if (cli_path().empty()) GTEST_SKIP() << "robomlx binary not built next to the tests (build target robomlx_cli)";
  std::string err, out = test::temp_dir() + "/o";
  EXPECT_EQ(run_cli("depth capture", err), 4);
  EXPECT_NE(err.find("live capture needs librealsense2"), std::string::npos) << err;
  EXPECT_EQ(run_cli("depth process --input " + real_bag() + " --out " + out + " --set spatial.alpha", err), 2);
  EXPECT_NE(err.find("--set must look like block.option=value"), std::string::npos) << err;
  EXPECT_EQ(run_cli("depth process --input /nonexistent.bag --chain decimation --outputs depth --out " + out, err),
            3);
  EXPECT_EQ(run_cli("depth process --input " + real_bag() + " --chain standard --preset x.json --out " + out, err), 2);
  EXPECT_NE(err.find("either --chain or --preset"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
  // A preset plus --set overriding it, end to end through the binary.
  std::string preset = test::temp_dir() + "/p.json";
  std::ofstream(preset) << R"({"chain": [{"block": "decimation", "options": {"filter_magnitude": 2}}, "threshold"]})";
  std::string ok = test::temp_dir() + "/ok";
  EXPECT_EQ(run_cli("depth process --input " + real_bag() + " --preset " + preset +
                        " --set decimation.filter_magnitude=4 --outputs depth --no-progress --out " + ok, err), 0) << err;
  EXPECT_EQ(read_png(ok + "/depth_000001.png").width, 160);
  std::ifstream sj(ok + "/summary.json");
  auto summary = nlohmann::json::parse(sj);
  EXPECT_EQ(summary["chain"][0]["options"]["filter_magnitude"], 4.0);
  EXPECT_EQ(summary["chain"][1]["block"], "threshold");
  EXPECT_EQ(run_cli("depth process --input " + real_bag() + " --preset " + preset +
                        " --set decimation.filter_magnitude=9 --outputs depth --out " + out, err), 2);
  EXPECT_NE(err.find("filter_magnitude must be in [1, 8], got 9"), std::string::npos) << err;
  // Image inputs with a camera from the command line, through a disparity chain and a cloud.
  std::string imgs = test::temp_dir() + "/imgs";
  EXPECT_EQ(run_cli("depth process --input " + golden("inputs/real_depth_640x480.pgm") + " " +
                        golden("inputs/real_depth_640x480.pgm") +
                        " --chain decimation,depth2disparity,spatial,disparity2depth --intrinsics 390.43,390.43,331.39,242.19"
                        " --baseline-mm 50.17 --outputs depth,cloud --no-progress --out " + imgs, err), 0) << err;
  EXPECT_TRUE(fs::exists(imgs + "/cloud_000001.ply"));
  EXPECT_EQ(run_cli("depth process --input " + golden("inputs/real_depth_640x480.pgm") +
                        " --chain decimation,depth2disparity --outputs depth --out " + out, err), 2);
  EXPECT_NE(err.find("needs intrinsics.fx finite and > 0"), std::string::npos) << err;
  EXPECT_EQ(run_cli("depth process --input " + golden("inputs/real_depth_640x480.pgm") +
                        " --chain decimation --intrinsics 1,2,3 --outputs depth --out " + out, err), 2);
  EXPECT_NE(err.find("--intrinsics must be fx,fy,ppx,ppy (4 numbers)"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace robomlx::depth
