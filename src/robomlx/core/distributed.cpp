// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/distributed.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <streambuf>

#include <mlx/distributed/ops.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

namespace robomlx {

namespace dist = mx::distributed;

namespace {
// The ring backend writes to its peers' sockets without MSG_NOSIGNAL: a peer that dies would kill
// this rank with SIGPIPE before the backend can report the lost connection as an error.
void ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }
}  // namespace

DistGroup DistGroup::world() {
  // MLX keeps one backend per process; initialise it once so every caller shares the group.
  static std::once_flag once;
  static DistGroup g;
  std::call_once(once, [] {
    const char* env = std::getenv("ROBOMLX_DIST_BACKEND");
    const std::string bk = env ? env : "";
    if (!bk.empty() && bk != "ring" && bk != "nccl" && bk != "mpi")
      throw std::runtime_error("[distributed] ROBOMLX_DIST_BACKEND must be ring, nccl or mpi, got '" + bk + "'");
    if (bk.empty()) {
      // Not launched by us: join whatever mlx.launch set up, else stay a group of one.
      if (!std::getenv("MLX_RANK") && !std::getenv("OMPI_COMM_WORLD_RANK") && !std::getenv("PMI_RANK")) return;
      ignore_sigpipe();
      auto grp = dist::init(false, "any");
      if (grp.size() > 1) g.group_ = grp, g.backend_ = "any";
      return;
    }
    if (!dist::is_available(bk))
      throw std::runtime_error("[distributed] the " + bk + " backend is not in this MLX build");
    ignore_sigpipe();
    try {
      g.group_ = dist::init(true, bk);
    } catch (const std::exception& e) {
      throw std::runtime_error("[distributed] joining the " + bk + " group failed: " + e.what());
    }
    g.backend_ = bk;
  });
  return g;
}

mx::Device DistGroup::device() const { return backend_ == "nccl" ? mx::Device::gpu : mx::Device::cpu; }

std::vector<mx::array> DistGroup::all_sum(const std::vector<mx::array>& xs) const {
  if (size() == 1 || xs.empty()) return xs;
  const mx::Device d = device();
  std::vector<mx::array> flat;
  mx::Shape cuts;
  int offset = 0;
  for (const auto& x : xs) {
    flat.push_back(mx::reshape(mx::astype(x, mx::float32, d), {-1}, d));
    offset += static_cast<int>(x.size());
    cuts.push_back(offset);
  }
  cuts.pop_back();
  const auto summed = dist::all_sum(mx::concatenate(flat, 0, d), group_, d);
  auto parts = mx::split(summed, cuts, 0, d);
  for (size_t i = 0; i < xs.size(); ++i) parts[i] = mx::astype(mx::reshape(parts[i], xs[i].shape(), d), xs[i].dtype(), d);
  return parts;
}

std::vector<mx::array> DistGroup::average(const std::vector<mx::array>& xs) const {
  auto out = all_sum(xs);
  if (size() == 1) return out;
  const mx::array inv(1.0f / static_cast<float>(size()));
  for (auto& x : out) x = mx::astype(mx::multiply(x, inv, device()), x.dtype(), device());
  return out;
}

mx::array DistGroup::all_max(const mx::array& x) const {
  return size() == 1 ? x : dist::all_max(x, group_, device());
}

void DistGroup::check_replicated(const std::vector<mx::array>& xs, const std::string& what) const {
  if (size() == 1 || xs.empty()) return;
  const mx::Device d = device();
  std::vector<mx::array> flat;
  for (const auto& x : xs) flat.push_back(mx::reshape(mx::astype(x, mx::float32, d), {-1}, d));
  const auto all = mx::concatenate(flat, 0, d);
  const auto hi = dist::all_max(all, group_, d), lo = dist::all_min(all, group_, d);
  auto differ = mx::sum(mx::astype(mx::not_equal(hi, lo, d), mx::int32, d), false, d);
  mx::eval(differ);
  const int n = differ.item<int>();
  if (n != 0)
    throw std::runtime_error("[distributed] " + what + " differs between ranks in " + std::to_string(n) + " of " +
                             std::to_string(all.size()) + " values");
}

std::pair<int, int> shard_range(int n, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size || n < 0) throw std::invalid_argument("[distributed] bad shard request");
  const int base = n / size, extra = n % size;
  const int first = rank * base + std::min(rank, extra);
  return {first, first + base + (rank < extra ? 1 : 0)};
}

std::ostream& root_stream(const DistGroup& g, std::ostream& out) {
  struct Null : std::streambuf {
    int overflow(int c) override { return c == EOF ? 0 : c; }
  };
  static Null null_buf;
  static std::ostream null_stream(&null_buf);
  return g.root() ? out : null_stream;
}

}  // namespace robomlx
