// SPDX-License-Identifier: Apache-2.0
// robomlx command-line entry point: global flags, subcommand registry, one error policy.
//
// Exit codes: 0 ok; 1 unexpected failure; 2 invalid argument or option; 3 malformed input
// file; 4 unsupported backend or feature. Errors print one line: "robomlx: error: <message>".
#include <iostream>
#include <map>

#include <mlx/version.h>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/error.h"
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
  return device;
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
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "robomlx: error: " << e.what() << "\n";
    return 2;
  } catch (const FormatError& e) {
    std::cerr << "robomlx: error: " << e.what() << "\n";
    return 3;
  } catch (const UnsupportedBackendError& e) {
    std::cerr << "robomlx: error: unsupported backend: " << e.what() << "\n";
    return 4;
  } catch (const UnsupportedFeatureError& e) {
    std::cerr << "robomlx: error: unsupported feature: " << e.what() << "\n";
    return 4;
  } catch (const std::exception& e) {
    std::cerr << "robomlx: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
