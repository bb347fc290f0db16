// SPDX-License-Identifier: Apache-2.0
// `robomlx depth process` against hostile inputs: size caps from headers (PGM / PNG depth images,
// .bag image messages) and a JSON preset that is not one JSON value. Each row states the exit
// code, the one-line error and that the output folder was not created.
#include <filesystem>

#include "cli_table.h"
#include "hostile_files.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

TEST(DepthCli, HostileInputsTable) {
  if (!fs::exists(test::cli_binary())) GTEST_SKIP() << "CLI binary not built (robomlx_cli)";
  const std::string d = test::temp_dir();
  const std::string bag = test::shared_dir() + "/data/realsense/single_depth_color_640x480.bag";
  const std::string pgm = test::write_file(d + "/bomb.pgm", test::pgm_claiming(16000, 12000, 64));
  const std::string png = test::write_file(d + "/bomb.png", test::png_claiming(16000, 12000));
  const std::string preset = test::write_file(d + "/p.json", std::string(R"({"chain": "decimation"})") + '\0' + "junk");
  const std::string out = " --no-progress --out " + d + "/out";
  const test::CliRow rows[] = {
      {"PGM header over the pixel cap", "depth process --input " + pgm + out, 3,
       pgm + ": PGM image 16000x12000 (192000000 pixels) exceeds the pixels cap of 67108864", "", {}, {d + "/out"}, "", 5},
      {"PNG header over the pixel cap", "depth process --input " + png + out, 3,
       png + ": PNG image 16000x12000 (192000000 pixels) exceeds the pixels cap", "", {}, {d + "/out"}, "", 5},
      {".bag image messages meet the cap", "depth process --input " + bag + out, 3,
       "image 640x480 (307200 pixels) exceeds the pixels cap of 1000", "", {}, {d + "/out"},
       "ROBOMLX_MAX_PIXELS=1000"},
      {"a preset with a NUL byte", "depth process --input " + bag + " --preset " + preset + out, 3,
       preset + ": byte 23 is a NUL byte", "", {}, {d + "/out"}},
  };
  for (const auto& row : rows) test::expect_row(row, d);
}

}  // namespace
}  // namespace robomlx::depth
