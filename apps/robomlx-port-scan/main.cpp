// SPDX-License-Identifier: Apache-2.0
// robomlx-port-scan: `robomlx port-scan` as its own executable. port_scan is plain C++ (no MLX,
// no OpenCV), so this binary links only the C++ runtime and starts in about a millisecond; the
// full `robomlx` pays ~0.2-0.3 s of dynamic loading first (MLX, OpenCV's videoio/highgui/imgcodecs
// and their Qt, GStreamer, ffmpeg and GDAL dependencies), which would dominate a scan of a tree.
// Same options, output, messages and exit codes as `robomlx port-scan` (main.cpp's error policy).
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "port_scan_cli.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/version.h"

namespace {
int report_error(int code, std::string_view message) {
  std::string line;  // one line, like robomlx's main.cpp
  for (char c : message) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line += space ? ' ' : c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::cerr << "robomlx: error: " << line << std::endl;
  return code;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace robomlx;
  CLI::App app{"robomlx-port-scan: find CUDA-first / Linux-first porting blockers (robomlx port-scan)", "robomlx-port-scan"};
  app.set_version_flag("--version", std::string("robomlx-port-scan ") + kVersion);
  auto args = std::make_shared<cli::PortScanArgs>();
  cli::add_port_scan_options(app, args);
  try {
    remove_staged_outputs_on_signals();  // --out goes through a staged atomic file
    app.parse(argc, argv);
    cli::run_port_scan(*args);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_error(2, std::string(e.what()) + " (see robomlx-port-scan --help)");
  } catch (const std::invalid_argument& e) {
    return report_error(2, e.what());
  } catch (const std::exception& e) {
    return report_error(1, e.what());
  }
  return 0;
}
