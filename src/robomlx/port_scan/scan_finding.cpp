// SPDX-License-Identifier: Apache-2.0
#include "robomlx/port_scan/scan_finding.h"

#include <cctype>

namespace robomlx::port_scan {

const char* to_string(Bucket bucket) {
  switch (bucket) {
    case Bucket::compute: return "compute";
    case Bucket::kernel: return "kernel";
    case Bucket::sim: return "sim";
    case Bucket::sensor: return "sensor";
    case Bucket::platform: return "platform";
    case Bucket::server: return "server";
  }
  return "?";
}

const char* to_string(Complexity complexity) {
  switch (complexity) {
    case Complexity::easy: return "EASY";
    case Complexity::medium: return "MEDIUM";
    case Complexity::hard: return "HARD";
  }
  return "?";
}

const char* to_string(Confidence confidence) {
  switch (confidence) {
    case Confidence::low: return "low";
    case Confidence::medium: return "medium";
    case Confidence::high: return "high";
  }
  return "?";
}

std::optional<Bucket> parse_bucket(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (Bucket b : kBuckets) {
    if (lower == to_string(b)) return b;
  }
  return std::nullopt;
}

const char* default_adapter(Bucket bucket) {
  switch (bucket) {
    case Bucket::compute: return "ComputeBackend";
    case Bucket::kernel: return "KernelBackend";
    case Bucket::sim: return "SimBackend";
    case Bucket::sensor: return "SensorBackend";
    case Bucket::platform: return "platform";
    case Bucket::server: return "server";
  }
  return "?";
}

}  // namespace robomlx::port_scan
