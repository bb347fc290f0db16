// SPDX-License-Identifier: Apache-2.0
// One porting blocker found in a file, in the seed playbook's terms: the bucket it belongs to, the
// replacement the playbook gives for it, how hard that replacement is, and how sure the rule is
// that the code really is the blocker (a `.cuda()` call on a user class is possible; `torch.cuda`
// is not ambiguous).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace robomlx::port_scan {

/// The seed's buckets. Order is the port plan's order (adapters first).
enum class Bucket : std::uint8_t { compute, kernel, sim, sensor, platform, server };
inline constexpr std::array<Bucket, 6> kBuckets{Bucket::compute, Bucket::kernel,   Bucket::sim,
                                                Bucket::sensor,  Bucket::platform, Bucket::server};

enum class Complexity : std::uint8_t { easy, medium, hard };
enum class Confidence : std::uint8_t { low, medium, high };

const char* to_string(Bucket bucket);
const char* to_string(Complexity complexity);  // "EASY", "MEDIUM", "HARD"
const char* to_string(Confidence confidence);  // "low", "medium", "high"
/// "compute", "kernel"... (case-insensitive); nullopt for other words.
std::optional<Bucket> parse_bucket(std::string_view name);

/// The adapter of the seed's rule ("ComputeBackend, KernelBackend, SimBackend, SensorBackend and
/// PlannerBackend adapters over scattered conditionals") a bucket's fixes go behind; platform and
/// server have no adapter of the five and come after them in the plan.
const char* default_adapter(Bucket bucket);

struct Finding {
  std::string file;           // the path as walked (relative when the scanned path was)
  std::uint32_t line = 0;     // 1-based
  std::uint32_t column = 0;   // 1-based, code points
  std::string snippet;        // the source line, trimmed and shortened; valid UTF-8
  std::string rule_id;        // "compute.torch-cuda", "kernel.cuda-kernel"...
  Bucket bucket = Bucket::compute;
  std::string what;           // what was found: "torch.cuda API", "CUDA kernel renderCUDA"
  std::string replacement;    // the seed's replacement for it
  Complexity complexity = Complexity::easy;
  Confidence confidence = Confidence::high;
  std::string adapter;        // "ComputeBackend", ..., "PlannerBackend", "platform", "server"
  std::string kernel_class;   // kernel bucket: the seed's kernel class ("scatter-reduce"...)
};

}  // namespace robomlx::port_scan
