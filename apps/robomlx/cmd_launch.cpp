// SPDX-License-Identifier: Apache-2.0
// `robomlx launch --ranks N [--hosts FILE] [--backend ring|nccl|mpi] [--port P] [--grace S]
//  -- COMMAND...`: runs COMMAND as N ranks of one MLX distributed group (core/distributed.h),
// with the environment MLX's backends read, as mlx.launch sets it:
//   every rank: MLX_RANK, and ROBOMLX_DIST_BACKEND (robomlx's commands then join that backend
//               strictly: a rank that cannot join fails instead of training alone);
//   ring:       MLX_HOSTFILE, a JSON file with one ["ip:port"] list per rank (loopback ports
//               P, P+1, ... for local ranks);
//   nccl:       MLX_WORLD_SIZE, NCCL_HOST_IP and NCCL_PORT (rank 0's address), and for local
//               ranks CUDA_VISIBLE_DEVICES=r (one GPU each);
//   mpi:        mpirun starts the ranks (-np N, --hostfile from --hosts), rank numbers are MPI's.
// --hosts: mlx.launch's JSON, [{"ssh": "name", "ips": ["10.0.0.1"]}, ...], one rank per entry,
// started over ssh in the same working directory (untested here: no second machine).
// Output comes back line by line as "[rank r] ..."; launch_ranks.h says how failures propagate.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "command.h"
#include "launch_ranks.h"
#include "robomlx/core/check.h"
#include "robomlx/core/error.h"

namespace robomlx::cli {

namespace {
struct LaunchArgs {
  int ranks = 0;
  std::string hosts, backend = "ring";
  int port = 32323;
  double grace = 10;
  std::vector<std::string> command;
};

struct Host {
  std::string ssh, ip;  // ssh "" = this machine
};

// Problems of the file are FormatErrors (exit 3, the file named), as for every input file.
std::vector<Host> read_hosts(const std::string& file) {
  std::ifstream in(file);
  if (!in || std::filesystem::is_directory(file)) throw FormatError("launch", file, "cannot read the --hosts file");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception&) {
    throw FormatError("launch", file, "invalid JSON (want mlx.launch's host list)");
  }
  if (!j.is_array() || j.empty()) throw FormatError("launch", file, "want a non-empty JSON array of hosts");
  std::vector<Host> hosts;
  for (const auto& h : j) {
    if (!h.is_object() || !h.contains("ssh") || !h["ssh"].is_string())
      throw FormatError("launch", file, "every host needs \"ssh\": \"hostname\"");
    Host host{h["ssh"].get<std::string>(), ""};
    if (h.contains("ips") && h["ips"].is_array() && !h["ips"].empty() && h["ips"][0].is_string())
      host.ip = h["ips"][0].get<std::string>();
    hosts.push_back(host);
  }
  return hosts;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A remote rank: ssh runs a shell that writes the hostfile there, exports and execs the command.
RankProcess over_ssh(const Host& h, const std::vector<std::string>& env, const std::string& hostfile,
                     const std::vector<std::string>& command) {
  std::string script = "cd " + quote(std::filesystem::current_path().string()) + " 2>/dev/null; ";
  if (!hostfile.empty()) script += "f=$(mktemp); printf '%s' " + quote(hostfile) + " >$f; export MLX_HOSTFILE=$f; ";
  for (const auto& e : env) {
    const auto eq = e.find('=');
    script += "export " + e.substr(0, eq) + "=" + quote(e.substr(eq + 1)) + "; ";
  }
  script += "exec";
  for (const auto& a : command) script += " " + quote(a);
  return {{"ssh", "-tt", h.ssh, script}, {}};
}

void run_launch(LaunchArgs& a) {
  if (a.command.empty()) fail_argument("launch", "give the command after --, e.g. robomlx launch --ranks 2 -- robomlx sparse train-demo");
  std::vector<Host> hosts = a.hosts.empty() ? std::vector<Host>{} : read_hosts(a.hosts);
  if (!hosts.empty() && a.ranks > 0 && a.ranks != static_cast<int>(hosts.size()))
    fail_argument("launch", "--ranks " + std::to_string(a.ranks) + " but --hosts lists " + std::to_string(hosts.size()));
  if (hosts.empty()) hosts.assign(a.ranks > 0 ? a.ranks : 1, Host{"", "127.0.0.1"});
  const int n = static_cast<int>(hosts.size());
  if (a.backend == "mpi") {  // mpirun owns the ranks, their environment and the output
    std::vector<std::string> argv = {"mpirun", "-np", std::to_string(n), "-x", "ROBOMLX_DIST_BACKEND=mpi"};
    std::string hostfile;
    if (!a.hosts.empty()) {
      hostfile = (std::filesystem::temp_directory_path() / ("robomlx-mpi-hosts-" + std::to_string(getpid()))).string();
      std::ofstream f(hostfile);
      for (const auto& h : hosts) f << h.ssh << " slots=1\n";
      argv.insert(argv.end(), {"--hostfile", hostfile});
    }
    argv.insert(argv.end(), a.command.begin(), a.command.end());
    const auto r = run_ranks({{argv, {}}}, a.grace);
    if (!hostfile.empty()) std::filesystem::remove(hostfile);
    if (r.code != 0) throw std::runtime_error("[launch] mpirun failed: " + r.failure);
    return;
  }
  for (const auto& h : hosts)
    if (h.ip.empty()) fail_argument("launch", "--hosts: host '" + h.ssh + "' needs \"ips\" for the " + a.backend + " backend");
  nlohmann::json ring = nlohmann::json::array();
  for (int r = 0; r < n; ++r) ring.push_back({hosts[r].ip + ":" + std::to_string(a.port + r)});
  const std::string tmp = (std::filesystem::temp_directory_path() / ("robomlx-ring-" + std::to_string(getpid()) + ".json")).string();
  std::vector<RankProcess> ranks;
  if (n == 1 && hosts[0].ssh.empty()) {  // MLX's ring cannot form a group of one: run the command alone
    const auto r = run_ranks({{a.command, {}}}, a.grace);
    if (r.code != 0) throw std::runtime_error("[launch] " + r.failure + " (of 1 rank)");
    return;
  }
  for (int r = 0; r < n; ++r) {
    std::vector<std::string> env = {"MLX_RANK=" + std::to_string(r), "ROBOMLX_DIST_BACKEND=" + a.backend};
    if (a.backend == "nccl") {
      env.insert(env.end(), {"MLX_WORLD_SIZE=" + std::to_string(n), "NCCL_HOST_IP=" + hosts[0].ip,
                             "NCCL_PORT=" + std::to_string(a.port)});
      if (hosts[r].ssh.empty()) env.push_back("CUDA_VISIBLE_DEVICES=" + std::to_string(r));
    }
    const bool ring_file = a.backend == "ring";
    if (!hosts[r].ssh.empty()) {
      ranks.push_back(over_ssh(hosts[r], env, ring_file ? ring.dump() : "", a.command));
    } else {
      if (ring_file) env.push_back("MLX_HOSTFILE=" + tmp);
      ranks.push_back({a.command, env});
    }
  }
  if (a.backend == "ring") std::ofstream(tmp) << ring.dump() << "\n";
  LaunchOutcome r;
  try {
    r = run_ranks(ranks, a.grace);
  } catch (...) {
    std::filesystem::remove(tmp);
    throw;
  }
  std::filesystem::remove(tmp);
  if (r.code != 0) throw std::runtime_error("[launch] " + r.failure + " (of " + std::to_string(n) + " ranks)");
}

void add_launch(CLI::App& app, GlobalOptions&) {
  auto a = std::make_shared<LaunchArgs>();
  auto* cmd = app.add_subcommand("launch", "Run a command as N ranks of an MLX distributed group (data-parallel training)");
  cmd->add_option("--ranks,-n", a->ranks, "Number of local ranks (default: one per --hosts entry, else 1)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--hosts", a->hosts, "mlx.launch's JSON host list: [{\"ssh\": name, \"ips\": [ip]}, ...]");
  cmd->add_option("--backend", a->backend, "ring (TCP, CPU), nccl (NVIDIA GPUs) or mpi (default ring)")
      ->check(CLI::IsMember({"ring", "nccl", "mpi"}));
  cmd->add_option("--port", a->port, "First TCP port (ring: one per rank; nccl: rank 0's)")->check(CLI::Range(1024, 65000));
  cmd->add_option("--grace", a->grace, "Seconds the other ranks get to exit after one fails, then they are stopped")
      ->check(finite_range(0.0, 3600.0));
  cmd->add_option("command", a->command, "The command each rank runs (after --)");
  cmd->callback([a] { run_launch(*a); });
}
}  // namespace

ROBOMLX_COMMAND(launch, add_launch);

}  // namespace robomlx::cli
