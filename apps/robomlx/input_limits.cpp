// SPDX-License-Identifier: Apache-2.0
// The size caps of the input policy (core/input_policy.h) as global flags: --max-pixels,
// --max-points, --max-elements N. Registered through the command table like a subcommand, but
// it adds options to the top-level app (valid before or after any subcommand: the app falls
// through). Each flag takes effect while the command line is parsed, before any subcommand
// runs, and overrides the ROBOMLX_MAX_* environment variables.
#include <string>

#include "command.h"
#include "robomlx/core/input_policy.h"

namespace robomlx::cli {

namespace {

void add_cap_flag(CLI::App& app, InputCap cap, const std::string& what) {
  app.add_option_function<std::string>(
         input_cap_flag(cap),
         [cap](const std::string& text) { set_input_cap(cap, parse_input_cap(text, input_cap_flag(cap))); },
         "Refuse inputs with more " + what + " than N, checked from file headers (default " +
             std::to_string(input_cap_default(cap)) + ", or " + input_cap_env(cap) + ")")
      ->type_name("N");
}

void add_input_limits(CLI::App& app, GlobalOptions&) {
  add_cap_flag(app, InputCap::pixels, "pixels per image or video frame");
  add_cap_flag(app, InputCap::points, "points per point cloud");
  add_cap_flag(app, InputCap::elements, "values per array (NPY, PLY)");
}

}  // namespace

ROBOMLX_COMMAND(input_limits, add_input_limits);

}  // namespace robomlx::cli
