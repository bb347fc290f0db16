// SPDX-License-Identifier: Apache-2.0
// `robomlx stereo depth|eval` against hostile inputs (issue 12, items 2, 4, 5, 6, 11): each row
// is an input built here at run time, a command, the exit code, a fragment of the one-line error
// and the files that must or must not exist (tests/cli_table.h also checks that stderr is that
// one line, with nothing from OpenCV, libpng, libjpeg or FFmpeg before it).
#include <filesystem>
#include <fstream>

#include <mlx/mlx.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "cli_table.h"
#include "hostile_files.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/png.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

namespace fs = std::filesystem;
namespace mx = mlx::core;

class StereoInputCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(test::cli_binary())) GTEST_SKIP() << "CLI binary not built (robomlx_cli)";
    d_ = test::temp_dir();
    const std::string mid = test::shared_dir() + "/data/stereo/middlebury-v2/cones/";
    for (const char* eye : {"imL", "imR"}) {
      const mx::array im = read_png(mid + eye + ".png").to_array();
      write_png(d_ + "/" + eye + ".png", Image::from_array(mx::slice(im, {100, 100, 0}, {196, 260, 3})));
    }
    const mx::array eye = mx::pad(read_png(mid + "imL.png").to_array(), {{0, 1}, {0, 222}, {0, 0}});
    write_png(d_ + "/sbs_vga.png", Image::from_array(mx::concatenate({eye, eye}, 1)));
    pair_ = "stereo depth --no-config --max-disparity 32 --left " + d_ + "/imL.png --right " + d_ + "/imR.png";
  }
  // The test calibration with every occurrence of `from` replaced by `to`.
  std::string calib_with(const std::string& name, const std::string& from, const std::string& to) {
    std::string text = test::slurp_text(test::source_dir() + "/tests/data/stereo/SN12345.conf");
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
      text.replace(pos, from.size(), to);
    return test::write_file(d_ + "/" + name, text);
  }
  std::string d_, pair_;
};

TEST_F(StereoInputCli, ImagesTable) {
  const std::string png = test::slurp_bytes(d_ + "/imL.png");
  cv::imwrite(d_ + "/imL.jpg", cv::imread(d_ + "/imL.png"));
  const std::string jpg = test::slurp_bytes(d_ + "/imL.jpg");
  const std::string bomb_l = test::write_file(d_ + "/bombL.png", test::png_claiming(16000, 12000));
  const std::string bomb_r = test::write_file(d_ + "/bombR.png", test::png_claiming(16000, 12000));
  const std::string cut_png = test::write_file(d_ + "/cut.png", png.substr(0, png.size() / 2));
  const std::string cut_jpg = test::write_file(d_ + "/cut.jpg", jpg.substr(0, jpg.size() / 2));
  const std::string text = test::write_file(d_ + "/notes.png", "just text\n");
  const std::string right = " --right " + d_ + "/imR.png";
  const std::string out = d_ + "/out";
  const test::CliRow rows[] = {
      {"item 5: a 16000x12000 PNG pair fails from its header, at once",
       "stereo depth --no-config --left " + bomb_l + " --right " + bomb_r + " --out " + out, 3,
       bomb_l + ": PNG image 16000x12000 (192000000 pixels) exceeds the pixels cap of 67108864 (raise it with "
                "--max-pixels N or ROBOMLX_MAX_PIXELS=N)",
       "", {}, {out}, "", 5},
      {"the cap from the environment", pair_ + " --out " + out, 3,
       "imL.png: PNG image 160x96 (15360 pixels) exceeds the pixels cap of 1000", "", {}, {out}, "ROBOMLX_MAX_PIXELS=1000"},
      {"the flag, given after the subcommand, beats the environment", pair_ + " --out " + out + " --max-pixels 15360", 0,
       "", "", {out + "/disparity.png"}, {}, "ROBOMLX_MAX_PIXELS=1000"},
      {"the flag before the subcommand", "--max-pixels 15359 " + pair_ + " --out " + d_ + "/o2", 3,
       "exceeds the pixels cap of 15359", "", {}, {d_ + "/o2"}},
      {"a malformed cap in the environment", pair_ + " --out " + d_ + "/o3", 2,
       "ROBOMLX_MAX_PIXELS must be a positive integer, got '1e9'", "", {}, {d_ + "/o3"}, "ROBOMLX_MAX_PIXELS=1e9"},
      {"item 6: a truncated PNG says so, in robomlx's words", "stereo depth --no-config --left " + cut_png + right +
       " --out " + d_ + "/o4", 3, cut_png + ": corrupt PNG: file truncated", "", {}, {d_ + "/o4"}},
      {"item 6: a truncated JPEG, with libjpeg's warning kept off stderr", "stereo depth --no-config --left " + cut_jpg +
       right + " --out " + d_ + "/o5", 3, cut_jpg + ": corrupt JPEG", "", {}, {d_ + "/o5"}},
      {"item 6: a missing file, without OpenCV's [ WARN ] line", "stereo depth --no-config --left " + d_ + "/none.png" +
       right + " --out " + d_ + "/o6", 3, d_ + "/none.png: cannot open file: No such file or directory", "", {}, {d_ + "/o6"}},
      {"a text file named .png", "stereo depth --no-config --left " + text + right + " --out " + d_ + "/o7", 3,
       text + ": not a recognised image"},
      {"a side-by-side image over the cap", "stereo depth --no-config --sbs " + d_ + "/sbs_vga.png --out " + d_ + "/o8", 3,
       "sbs_vga.png: PNG image 1344x376 (505344 pixels) exceeds the pixels cap of 500000", "", {}, {d_ + "/o8"},
       "ROBOMLX_MAX_PIXELS=500000"},
  };
  for (const auto& row : rows) test::expect_row(row, d_);
}

TEST_F(StereoInputCli, CalibrationAndConfigTable) {
  const std::string sbs = "stereo depth --no-config --max-disparity 32 --sbs " + d_ + "/sbs_vga.png --calib ";
  const std::string k1 = calib_with("k1.conf", "k1=-0.0418000", "k1=1e20");
  const std::string base = calib_with("base.conf", "Baseline=119.9650", "Baseline=1e308");
  const std::string fx = calib_with("fx.conf", "fx=265.4500", "fx=0");
  const std::string rz = calib_with("rz.conf", "RZ_VGA=0.00041", "RZ_VGA=nan");
  const std::string nul = test::write_file(d_ + "/nul.json", std::string(R"({"sgm": {"p1": 10}})") + '\0' + "garbage");
  const std::string tail = test::write_file(d_ + "/tail.json", R"({"sgm": {"p1": 10}} trailing)");
  const test::CliRow rows[] = {
      {"item 2: k1=1e20 fails before any work, naming file, section, field and range", sbs + k1 + " --out " + d_ + "/o1", 3,
       k1 + ": line 39: [LEFT_CAM_VGA] k1 must be in [-10, 10] (radial distortion; fitted lenses stay within +-1), got 1e+20",
       "", {}, {d_ + "/o1"}},
      {"item 2: Baseline=1e308", sbs + base + " --out " + d_ + "/o2", 3,
       base + ": line 90: [STEREO] Baseline must be in [-10000, 10000] (millimetres; 10 m), got 1e+308", "", {},
       {d_ + "/o2"}},
      {"a zero focal length", sbs + fx + " --out " + d_ + "/o3", 3, "[LEFT_CAM_VGA] fx must be in [1, 100000]", "", {},
       {d_ + "/o3"}},
      {"a NaN rotation", sbs + rz + " --out " + d_ + "/o4", 3, "[STEREO] RZ_VGA must be a finite number", "", {},
       {d_ + "/o4"}},
      {"item 11: a JSON config with a NUL byte", pair_ + " --config " + nul + " --out " + d_ + "/o5", 3,
       nul + ": byte 19 is a NUL byte", "", {}, {d_ + "/o5"}},
      {"item 11: trailing text after the JSON value", pair_ + " --config " + tail + " --out " + d_ + "/o6", 3,
       tail + ": invalid JSON", "", {}, {d_ + "/o6"}},
  };
  for (const auto& row : rows) test::expect_row(row, d_);
}

TEST_F(StereoInputCli, EvalInfoTable) {
  const std::string tsukuba = test::shared_dir() + "/data/stereo/middlebury-v2/tsukuba";
  auto scene = [&](const std::string& name, const std::string& info) {
    const std::string dir = d_ + "/" + name;
    fs::create_directories(dir);
    for (const char* f : {"imL.png", "imR.png", "groundtruth.png", "nonocc.png", "all.png"})
      fs::create_symlink(tsukuba + "/" + f, dir + "/" + f);
    test::write_file(dir + "/info.txt", info);
    return dir;
  };
  const std::string big = scene("big", "16\n3000000000\n"), huge = scene("huge", "16\n1e300\n");
  const std::string scale = scene("scale", "1e300 15\n"), one = scene("one", "16\n");
  const test::CliRow rows[] = {
      {"item 4: 3000000000 is refused without UB, exit 3 naming the file", "stereo eval --no-config " + big, 3,
       big + "/info.txt: max disparity must be an integer in [1, 1024] (the matcher's disparity range), got '3000000000'"},
      {"item 4: 1e300", "stereo eval --no-config " + huge, 3, huge + "/info.txt: max disparity must be an integer"},
      {"a scale of 1e300", "stereo eval --no-config " + scale, 3, scale + "/info.txt: scale must be in [1, 255]"},
      {"one number only", "stereo eval --no-config " + one, 3, one + "/info.txt: expected exactly two numbers"},
  };
  for (const auto& row : rows) test::expect_row(row, d_);
}

TEST_F(StereoInputCli, VideoTable) {
  const cv::Mat l = cv::imread(d_ + "/imL.png"), r = cv::imread(d_ + "/imR.png");
  cv::Mat sbs;
  cv::hconcat(l, r, sbs);
  const std::string video = d_ + "/sbs.avi";
  cv::VideoWriter writer(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, sbs.size());
  if (!writer.isOpened()) GTEST_SKIP() << "this OpenCV build cannot write MJPG AVI";
  for (int i = 0; i < 2; ++i) writer << sbs;
  writer.release();
  const std::string junk = test::write_file(d_ + "/junk.avi", std::string(4096, '\x42'));
  const std::string cmd = "stereo depth --no-config --max-disparity 32 --video ";
  const test::CliRow rows[] = {
      {"frames over the cap, from the stream header", cmd + video + " --out " + d_ + "/o1", 3,
       video + ": video frame 320x96 (30720 pixels) exceeds the pixels cap of 30000", "", {}, {d_ + "/o1"},
       "ROBOMLX_MAX_PIXELS=30000"},
      {"a file no backend decodes, with FFmpeg's lines kept off stderr", cmd + junk + " --out " + d_ + "/o2", 3,
       junk + ": cannot open video", "", {}, {d_ + "/o2"}},
      {"the same video within the cap", cmd + video + " --out " + d_ + "/o3", 0, "", "", {d_ + "/o3/disparity_00001.png"}},
  };
  for (const auto& row : rows) test::expect_row(row, d_);
}

}  // namespace
}  // namespace robomlx::stereo
