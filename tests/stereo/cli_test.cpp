// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo ...` end to end: exit codes (0 ok, 2 bad argument, 3 bad file, 4 unsupported)
// and that a failing run leaves no output behind. Runs the CLI binary built beside this test.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <mlx/mlx.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "robomlx/core/image.h"
#include "robomlx/core/io/png.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

namespace fs = std::filesystem;
namespace mx = mlx::core;

fs::path cli() { return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "apps/robomlx/robomlx"; }

int run(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " + test::launcher_prefix() + cli().string() + " " + args + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class StereoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(cli())) GTEST_SKIP() << "CLI binary not built at " << cli() << " (build robomlx_cli)";
    dir_ = test::temp_dir();
    // A small crop of the Middlebury cones pair keeps each run well under a second.
    const std::string mid = test::shared_dir() + "/data/stereo/middlebury-v2/cones/";
    for (const char* eye : {"imL", "imR"}) {
      const mx::array im = read_png(mid + eye + ".png").to_array();
      write_png(dir_ + "/" + eye + ".png", Image::from_array(mx::slice(im, {100, 100, 0}, {196, 260, 3})));
    }
    write_png(dir_ + "/small.png", Image::from_array(mx::zeros({90, 150, 3}, mx::uint8)));
    // A side-by-side VGA frame (2 x 672 x 376) for the calibrated path.
    const mx::array eye = mx::pad(read_png(mid + "imL.png").to_array(), {{0, 1}, {0, 222}, {0, 0}});
    write_png(dir_ + "/sbs_vga.png", Image::from_array(mx::concatenate({eye, eye}, 1)));
    args_ = "stereo depth --no-config --left " + dir_ + "/imL.png --right " + dir_ + "/imR.png --max-disparity 32";
  }
  std::string dir_, args_;
};

TEST_F(StereoCli, DepthWritesOutputs) {
  EXPECT_EQ(run(args_ + " --focal 935 --baseline-mm 160 --out " + dir_ + "/out --disparity-out " + dir_ + "/d.png"), 0);
  for (const char* f : {"disparity.png", "disparity.pfm", "disparity_color.png", "left.png", "confidence.png", "depth_mm.png",
                       "cloud.ply"})
    EXPECT_TRUE(fs::exists(dir_ + "/out/" + f)) << f;
  const Image kitti = read_png(dir_ + "/d.png");
  EXPECT_EQ(kitti.dtype, mx::uint16);
  EXPECT_EQ(kitti.width, 160);
  // Only the staged files and the manifest of robomlx's outputs (core/io/output_stage.h), no leftovers.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ + "/out"), fs::directory_iterator()), 8);
  EXPECT_TRUE(fs::exists(dir_ + "/out/.robomlx-outputs"));
}

TEST_F(StereoCli, CalibratedSideBySide) {
  const std::string calib = test::source_dir() + "/tests/data/stereo/SN12345.conf";
  EXPECT_EQ(run("stereo depth --no-config --sbs " + dir_ + "/sbs_vga.png --max-disparity 32 --calib " + calib +
                " --out " + dir_ + "/out"),
            0);
  EXPECT_TRUE(fs::exists(dir_ + "/out/cloud.ply"));
  // The VGA frame does not match the HD calibration: exit 2, nothing written.
  EXPECT_EQ(run("stereo depth --no-config --sbs " + dir_ + "/sbs_vga.png --calib " + calib +
                " --resolution HD --out " + dir_ + "/bad"),
            2);
  EXPECT_FALSE(fs::exists(dir_ + "/bad"));
  {
    std::ifstream in(calib);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("Baseline=119.9650"), 17, "Baseline=119,9650");  // a comma-locale file
    std::ofstream(dir_ + "/broken.conf") << text;
  }
  EXPECT_EQ(run("stereo depth --no-config --sbs " + dir_ + "/sbs_vga.png --calib " + dir_ + "/broken.conf --out " + dir_ +
                "/bad"),
            3);
  EXPECT_FALSE(fs::exists(dir_ + "/bad"));
}

TEST_F(StereoCli, BadInputExitCodes) {
  const std::string out = " --out " + dir_ + "/bad";
  EXPECT_EQ(run("stereo depth --no-config --left " + dir_ + "/imL.png --right " + dir_ + "/small.png" + out), 2);
  EXPECT_EQ(run(args_ + " --max-disparity 0" + out), 2);
  EXPECT_EQ(run(args_ + " --max-disparity 5000" + out), 2);
  EXPECT_EQ(run(args_ + " --set sgm.paths=3" + out), 2);
  EXPECT_EQ(run(args_ + " --left " + dir_ + "/missing.png" + out), 2);  // CLI11: option given twice
  EXPECT_EQ(run("stereo depth --no-config --left " + dir_ + "/missing.png --right " + dir_ + "/imR.png" + out), 3);
  EXPECT_EQ(run(args_), 2);  // nothing to write
  std::ofstream(dir_ + "/cfg.json") << R"({"sgm": {"p3": 1}})";
  EXPECT_EQ(run(args_ + " --config " + dir_ + "/cfg.json" + out), 3);
  EXPECT_FALSE(fs::exists(dir_ + "/bad"));
}

TEST_F(StereoCli, DefaultConfigIsLoadedFromHome) {
  fs::create_directories(dir_ + "/home/zed/settings");
  std::ofstream(dir_ + "/home/zed/settings/mlx_live_stereo.json") << R"({"sgm": {"num_disparitiez": 32}})";
  const std::string args = "stereo depth --left " + dir_ + "/imL.png --right " + dir_ + "/imR.png --max-disparity 32";
  EXPECT_EQ(run(args + " --out " + dir_ + "/o1", "HOME=" + dir_ + "/home"), 3);  // the file was read
  EXPECT_EQ(run(args + " --no-config --out " + dir_ + "/o2", "HOME=" + dir_ + "/home"), 0);
  std::ofstream(dir_ + "/home/zed/settings/mlx_live_stereo.json") << R"({"sgm": {"num_disparities": 256}})";
  EXPECT_EQ(run(args + " --out " + dir_ + "/o3", "HOME=" + dir_ + "/home"), 0);  // 256 > width 160: only the flag makes it run
}

TEST_F(StereoCli, SideBySideVideo) {
  const cv::Mat l = cv::imread(dir_ + "/imL.png"), r = cv::imread(dir_ + "/imR.png");
  cv::Mat sbs;
  cv::hconcat(l, r, sbs);
  const std::string video = dir_ + "/sbs.avi";
  cv::VideoWriter writer(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, sbs.size());
  if (!writer.isOpened()) GTEST_SKIP() << "this OpenCV build cannot write MJPG AVI";
  for (int i = 0; i < 3; ++i) writer << sbs;
  writer.release();
  EXPECT_EQ(run("stereo depth --no-config --video " + video + " --frames 2 --max-disparity 32 --out " + dir_ + "/v"), 0);
  EXPECT_TRUE(fs::exists(dir_ + "/v/disparity_00001.png"));
  EXPECT_FALSE(fs::exists(dir_ + "/v/disparity_00002.png"));
  EXPECT_EQ(run("stereo depth --no-config --video " + dir_ + "/none.avi --out " + dir_ + "/v2"), 3);
}

TEST_F(StereoCli, EvalPrintsBothRules) {
  const std::string mid = test::shared_dir() + "/data/stereo/middlebury-v2/tsukuba";
  EXPECT_EQ(run("stereo eval --no-config " + mid + " --json " + dir_ + "/e.json"), 0);
  std::ifstream in(dir_ + "/e.json");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("\"bad2_filled\""), std::string::npos);
  EXPECT_EQ(run("stereo eval --no-config " + dir_), 3);  // no info.txt
  // A dataset root expands to its scene folders.
  fs::create_directories(dir_ + "/root");
  fs::create_directory_symlink(fs::absolute(mid), dir_ + "/root/tsukuba");
  EXPECT_EQ(run("stereo eval --no-config " + dir_ + "/root --json " + dir_ + "/r.json"), 0);
  std::ifstream in2(dir_ + "/r.json");
  const std::string root_text((std::istreambuf_iterator<char>(in2)), {});
  EXPECT_NE(root_text.find("\"scene\": \"tsukuba\""), std::string::npos) << root_text;
}

TEST_F(StereoCli, LiveWithoutCameraIsUnsupported) {
  // This machine has no camera; on one that has, the test would need --camera pointing nowhere.
  if (fs::exists("/dev/video0")) GTEST_SKIP() << "a camera is present (/dev/video0)";
  EXPECT_EQ(run("stereo live --no-config --frames 1 --no-window"), 4);
}

TEST_F(StereoCli, TuneHeadless) {
  EXPECT_EQ(run("stereo tune --no-config --left " + dir_ + "/imL.png --right " + dir_ + "/imR.png --frames 2 --save " +
                    dir_ + "/t.json",
                "DISPLAY= WAYLAND_DISPLAY="),
            4);
  if (std::system("command -v xvfb-run > /dev/null 2>&1") != 0) GTEST_SKIP() << "xvfb-run is not installed";
  const std::string cmd = "xvfb-run -a " + test::launcher_prefix() + cli().string() + " stereo tune --no-config --max-disparity 32 --left " + dir_ +
                          "/imL.png --right " + dir_ + "/imR.png --frames 2 --save " + dir_ + "/t.json > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(fs::exists(dir_ + "/t.json"));
}

}  // namespace
}  // namespace robomlx::stereo
