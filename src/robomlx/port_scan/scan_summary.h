// SPDX-License-Identifier: Apache-2.0
// Summaries of a scan (per bucket, per directory, per kernel class) and the port plan: the steps
// in the seed's order, adapters first (ComputeBackend, KernelBackend, SimBackend, SensorBackend,
// PlannerBackend), then the platform fixes and the server.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "robomlx/port_scan/scan_tree.h"

namespace robomlx::port_scan {

using ComplexityCounts = std::array<std::size_t, 3>;  // EASY, MEDIUM, HARD

struct BucketSummary {
  Bucket bucket = Bucket::compute;
  std::size_t findings = 0, files = 0;
  ComplexityCounts by_complexity{};
};

struct DirectorySummary {
  std::string directory;                    // the findings' files' parent directory
  std::array<std::size_t, 6> by_bucket{};   // indexed by Bucket
  std::size_t findings = 0;
};

struct PlanItem {
  std::string what, replacement;  // one distinct blocker and its replacement
  Complexity complexity = Complexity::easy;
  std::size_t count = 0;
};

struct PlanStep {
  std::string adapter;            // "ComputeBackend", ..., "platform", "server"
  std::size_t findings = 0, files = 0;
  ComplexityCounts by_complexity{};
  std::vector<PlanItem> items;    // most frequent first
  std::vector<std::pair<std::string, std::size_t>> top_files;  // most findings first, at most 5
};

struct ScanSummary {
  std::vector<BucketSummary> buckets;         // all six, in plan order
  std::vector<DirectorySummary> directories;  // most findings first
  std::vector<std::pair<std::string, std::size_t>> kernel_classes;  // class, kernels; most first
  std::vector<PlanStep> plan;                 // steps with findings only
};

ScanSummary summarize(const ScanResult& result);

}  // namespace robomlx::port_scan
