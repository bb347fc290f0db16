// SPDX-License-Identifier: Apache-2.0
// robomlx command-line entry point: global flags, subcommand registry, one error policy.
//
// Exit codes: 0 ok; 1 unexpected failure; 2 invalid argument or option (CLI11's parse errors
// included); 3 malformed input file; 4 unsupported backend or feature. Every error prints exactly
// one line: "robomlx: error: <message>" (README "Errors and exit codes").
#include <charconv>
#include <cmath>
#include <iostream>
#include <map>
#include <string_view>

#include <mlx/version.h>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/error.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/version.h"

namespace robomlx::cli {

namespace {
std::map<std::string, CommandAdder>& commands() {
  static std::map<std::string, CommandAdder> table;
  return table;
}
}  // namespace

bool register_command(const char* name, CommandAdder adder) {
  commands()[name] = adder;
  return true;
}

void add_registered_commands(CLI::App& app, GlobalOptions& global) {
  for (const auto& [name, adder] : commands()) adder(app, global);
}

CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v) || v < lo || v > hi)
          return "Value " + text + " is not a finite number in [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "]";
        return {};
      },
      "FINITE in [" + std::to_string(lo) + " - " + std::to_string(hi) + "]");
}

CLI::App* ensure_subcommand(CLI::App& parent, const std::string& name, const std::string& description) {
  for (auto* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  auto* sub = parent.add_subcommand(name, description);
  sub->require_subcommand(1);
  return sub;
}

mx::Device apply_device(const GlobalOptions& global, Workload workload) {
  DeviceChoice choice = global.device.empty() ? device_choice_from_env() : parse_device_choice(global.device);
  mx::Device device = resolve_device_for(choice, workload);
  mx::set_default_device(device);
  apply_cpu_fusion_env(device);
  return device;
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

int report_error(int code, std::string_view prefix, std::string_view message) {
  std::cerr << "robomlx: error: " << prefix << one_line(message) << std::endl;
  return code;
}

// CLI11 says only "A subcommand is required" for `robomlx frobnicate`: name the word it did not
// know and the commands it could have been. Empty when every command word is known.
std::string unknown_command(CLI::App& app, int argc, char** argv, const std::string& error) {
  CLI::App* level = &app;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string tok = argv[i];
    if (tok == "--device") ++i;  // the only global option that takes a separate value
    if (tok.rfind("-", 0) == 0) continue;
    const auto subs = level->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return "";
    path += (path.empty() ? "" : " ") + tok;
    CLI::App* next = nullptr;
    std::string names;
    for (auto* sub : subs) {
      if (sub->get_name() == tok) next = sub;
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (next == nullptr) return "unknown command '" + path + "' (commands: " + names + ")";
    level = next;
  }
  const auto subs = level->get_subcommands([](CLI::App*) { return true; });
  if (subs.empty() || error.find("subcommand is required") == std::string::npos) return "";
  std::string names;
  for (auto* sub : subs) names += (names.empty() ? "" : ", ") + sub->get_name();
  return "'" + (path.empty() ? std::string("robomlx") : path) + "' needs a command: " + names;
}

}  // namespace robomlx::cli

int main(int argc, char** argv) {
  using namespace robomlx;
  CLI::App app{"robomlx: robotics perception on MLX (CPU, Apple GPUs, NVIDIA GPUs)", "robomlx"};
  app.set_version_flag("--version", std::string("robomlx ") + kVersion + " (MLX " + mlx::core::version() + ")");
  app.require_subcommand(1);
  app.fallthrough();
  cli::GlobalOptions global;
  app.add_option("--device", global.device, "Compute device: auto (the fastest device for the command's work, "
                                            "docs/auto-device.md), cpu, gpu; default from ROBOMLX_DEVICE, else auto")
      ->check(CLI::IsMember({"auto", "cpu", "gpu"}, CLI::ignore_case));
  cli::add_registered_commands(app, global);
  try {
    // Staged outputs (core/io/output_stage.h) are removed when SIGINT/SIGTERM/SIGHUP stop a run.
    remove_staged_outputs_on_signals();
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // CLI11's own two-line message becomes ours
    const std::string unknown = cli::unknown_command(app, argc, argv, e.what());
    return cli::report_error(2, "", (unknown.empty() ? std::string(e.what()) : unknown) + " (see robomlx --help)");
  } catch (const std::invalid_argument& e) {
    return cli::report_error(2, "", e.what());
  } catch (const FormatError& e) {
    return cli::report_error(3, "", e.what());
  } catch (const UnsupportedBackendError& e) {
    return cli::report_error(4, "unsupported backend: ", e.what());
  } catch (const UnsupportedFeatureError& e) {
    return cli::report_error(4, "unsupported feature: ", e.what());
  } catch (const std::exception& e) {
    return cli::report_error(1, "", e.what());
  }
  return 0;
}
