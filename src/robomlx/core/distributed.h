// SPDX-License-Identifier: Apache-2.0
// Data parallelism on MLX's own distributed layer (mlx::core::distributed): the process group,
// rank-0-only output, gradient averaging and a deterministic shard of a step's items per rank.
//
// The group comes from the environment `robomlx launch` (or mlx.launch) sets up: ring reads
// MLX_RANK and MLX_HOSTFILE (JSON: one list of "ip:port" per rank), NCCL reads MLX_RANK,
// MLX_WORLD_SIZE, NCCL_HOST_IP and NCCL_PORT, MPI its own launcher's variables.
// ROBOMLX_DIST_BACKEND (ring, nccl, mpi; set by `robomlx launch`) names the backend and makes a
// failure to join the group an error; without it a process that was not launched is a group of
// one, and every collective below is then the identity, without touching MLX's layer.
//
// Every rank must call the collectives in the same order with the same shapes; the trainers keep
// their state identical on every rank (check_replicated proves it) so that they decide the same.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <mlx/array.h>
#include <mlx/distributed/distributed.h>
#include <mlx/utils.h>

namespace robomlx {

namespace mx = mlx::core;

class DistGroup {
 public:
  /// A group of one (no communication).
  DistGroup() = default;
  /// This process's group (see above); one MLX init per process, later calls return the same.
  /// Throws std::runtime_error "[distributed] ..." when ROBOMLX_DIST_BACKEND is set and joining fails.
  static DistGroup world();

  int rank() const { return group_ ? group_->rank() : 0; }
  int size() const { return group_ ? group_->size() : 1; }
  bool root() const { return rank() == 0; }
  const std::string& backend() const { return backend_; }  // "" for a group of one
  /// Where collectives run: the GPU for NCCL, the CPU for ring and MPI (they reduce host memory).
  mx::Device device() const;

  /// Sum over ranks of every array in one all_sum: the arrays are flattened into one float32
  /// buffer (one message instead of one per tensor) and cut back to their shapes. Lazy.
  std::vector<mx::array> all_sum(const std::vector<mx::array>& xs) const;
  /// all_sum divided by size(): the mean gradient when every rank summed its own share.
  std::vector<mx::array> average(const std::vector<mx::array>& xs) const;
  /// Element-wise maximum over ranks (lazy).
  mx::array all_max(const mx::array& x) const;
  /// Throws std::runtime_error "[distributed] <what> differs between ranks ..." unless every
  /// array is bitwise the same on every rank (compared as all_max == all_min; NaN-free inputs).
  void check_replicated(const std::vector<mx::array>& xs, const std::string& what) const;

 private:
  std::optional<mx::distributed::Group> group_;
  std::string backend_;
};

/// Items [first, second) of `n` for `rank` of `size`: contiguous blocks whose sizes differ by at
/// most one (the first n % size ranks take one more); empty when rank >= n.
std::pair<int, int> shard_range(int n, int rank, int size);

/// `out` on rank 0, a stream that discards everything on the other ranks.
std::ostream& root_stream(const DistGroup& g, std::ostream& out);

}  // namespace robomlx
