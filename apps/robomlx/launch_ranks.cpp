// SPDX-License-Identifier: Apache-2.0
#include "launch_ranks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <algorithm>
#include <stdexcept>

namespace robomlx::cli {

namespace {
volatile sig_atomic_t g_stop_signal = 0;
void on_stop(int sig) { g_stop_signal = sig; }

struct Child {
  pid_t pid = -1;
  int out = -1, err = -1;       // read ends; -1 once closed
  std::string out_buf, err_buf;  // an unfinished line of each
  bool running = true;
};

pid_t start(const RankProcess& r, int out_pipe[2], int err_pipe[2]) {
  std::vector<char*> argv;
  for (const auto& a : r.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("[launch] fork failed: ") + std::strerror(errno));
  if (pid == 0) {  // the child: own process group, so the whole rank (and what it starts) is stopped at once
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGHUP, SIG_DFL);
    dup2(out_pipe[1], 1), dup2(err_pipe[1], 2);
    close(out_pipe[0]), close(out_pipe[1]), close(err_pipe[0]), close(err_pipe[1]);
    for (const auto& e : r.env) putenv(const_cast<char*>(e.c_str()));
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "[launch] cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no race with the kill below
  return pid;
}

// Whole lines of `buf` to `to`, prefixed; with `all`, the unfinished rest too.
void flush_lines(std::string& buf, const std::string& prefix, FILE* to, bool all) {
  std::size_t at;
  while ((at = buf.find_first_of("\n\r")) != std::string::npos) {  // progress bars redraw with \r
    if (at > 0) std::fprintf(to, "%s%.*s\n", prefix.c_str(), static_cast<int>(at), buf.data());
    buf.erase(0, at + 1);
  }
  if (all && !buf.empty()) std::fprintf(to, "%s%s\n", prefix.c_str(), buf.c_str()), buf.clear();
  std::fflush(to);
}

void drain(int& fd, std::string& buf, const std::string& prefix, FILE* to) {
  char chunk[4096];
  const ssize_t n = read(fd, chunk, sizeof chunk);
  if (n > 0) {
    buf.append(chunk, static_cast<std::size_t>(n));
    flush_lines(buf, prefix, to, false);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    flush_lines(buf, prefix, to, true);
    close(fd);
    fd = -1;
  }
}

std::string describe(int rank, int status) {
  if (WIFSIGNALED(status)) return "rank " + std::to_string(rank) + " was killed by signal " + std::to_string(WTERMSIG(status));
  return "rank " + std::to_string(rank) + " exited with code " + std::to_string(WEXITSTATUS(status));
}
}  // namespace

LaunchOutcome run_ranks(const std::vector<RankProcess>& ranks, double grace_s) {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr), sigaction(SIGTERM, &sa, nullptr);
  std::vector<Child> kids(ranks.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    int o[2], e[2];
    if (pipe(o) != 0 || pipe(e) != 0) throw std::runtime_error("[launch] pipe failed");
    kids[i].pid = start(ranks[i], o, e);
    close(o[1]), close(e[1]);
    kids[i].out = o[0], kids[i].err = e[0];
  }
  using Clock = std::chrono::steady_clock;
  LaunchOutcome result;
  std::optional<Clock::time_point> failed_at;
  int signals_sent = 0;  // 0 none, 1 SIGTERM, 2 SIGKILL
  auto signal_all = [&](int sig) {
    for (auto& k : kids)
      if (k.running) kill(-k.pid, sig);
  };
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::pair<std::size_t, bool>> owner;  // (rank, is stderr)
    for (std::size_t i = 0; i < kids.size(); ++i) {
      if (kids[i].out >= 0) fds.push_back({kids[i].out, POLLIN, 0}), owner.push_back({i, false});
      if (kids[i].err >= 0) fds.push_back({kids[i].err, POLLIN, 0}), owner.push_back({i, true});
    }
    if (!fds.empty()) poll(fds.data(), fds.size(), 100);
    else usleep(100 * 1000);
    for (std::size_t j = 0; j < fds.size(); ++j) {
      if (!(fds[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Child& k = kids[owner[j].first];
      const std::string prefix = "[rank " + std::to_string(owner[j].first) + "] ";
      if (owner[j].second) drain(k.err, k.err_buf, prefix, stderr);
      else drain(k.out, k.out_buf, prefix, stdout);
    }
    bool any_running = false;
    for (std::size_t i = 0; i < kids.size(); ++i) {
      Child& k = kids[i];
      int status = 0;
      if (k.running && waitpid(k.pid, &status, WNOHANG) == k.pid) {
        k.running = false;
        kill(-k.pid, SIGKILL);  // what the rank left behind in its group (it would hold the pipes open)
        const bool bad = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        if (bad && !result.failure.empty())  // the ranks that fail after the first one, said too
          std::fprintf(stderr, "[launch] %s\n", describe(static_cast<int>(i), status).c_str());
        if (bad && result.failure.empty()) {
          result.failure = describe(static_cast<int>(i), status);
          result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          failed_at = Clock::now();
          std::fprintf(stderr, "[launch] %s; stopping the other ranks (after %.0f s)\n", result.failure.c_str(), grace_s);
        }
      }
      any_running = any_running || k.running;
    }
    if (g_stop_signal != 0) {  // the user stopped the launcher: stop every rank now
      signal_all(g_stop_signal);
      if (result.failure.empty()) result.failure = "stopped by signal " + std::to_string(g_stop_signal), result.code = 128 + g_stop_signal;
      if (!failed_at) failed_at = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_s));
      g_stop_signal = 0;
    }
    const bool pipes_open = std::any_of(kids.begin(), kids.end(), [](const Child& k) { return k.out >= 0 || k.err >= 0; });
    if (!any_running && !pipes_open) break;
    if (!any_running) continue;  // the last output of exited ranks
    if (failed_at) {
      const double waited = std::chrono::duration<double>(Clock::now() - *failed_at).count();
      if (signals_sent == 0 && waited >= grace_s) signal_all(SIGTERM), signals_sent = 1;
      if (signals_sent == 1 && waited >= grace_s + 2) signal_all(SIGKILL), signals_sent = 2;
    }
  }
  return result;
}

}  // namespace robomlx::cli
