// SPDX-License-Identifier: Apache-2.0
#include "robomlx/port_scan/scan_summary.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace robomlx::port_scan {

namespace {
// The seed's rule: adapters first, in this order; then platform and server.
constexpr std::array<const char*, 7> kPlanOrder{"ComputeBackend", "KernelBackend", "SimBackend", "SensorBackend",
                                                "PlannerBackend", "platform", "server"};

template <class Map>
std::vector<std::pair<std::string, std::size_t>> most_first(const Map& counts, std::size_t limit) {
  std::vector<std::pair<std::string, std::size_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > limit) v.resize(limit);
  return v;
}
}  // namespace

ScanSummary summarize(const ScanResult& result) {
  ScanSummary s;
  std::array<std::set<std::string>, 6> bucket_files;
  for (Bucket b : kBuckets) s.buckets.push_back(BucketSummary{b, 0, 0, {}});
  std::map<std::string, DirectorySummary> dirs;
  std::map<std::string, std::size_t> classes;
  // Findings come grouped by file: the directory is worked out once per file, not per finding.
  const std::string* last_file = nullptr;
  DirectorySummary* last_dir = nullptr;
  for (const Finding& f : result.findings) {
    const auto bi = static_cast<std::size_t>(f.bucket);
    ++s.buckets[bi].findings;
    ++s.buckets[bi].by_complexity[static_cast<std::size_t>(f.complexity)];
    bucket_files[bi].insert(f.file);
    if (!last_file || *last_file != f.file) {
      const std::string dir = std::filesystem::path(f.file).parent_path().string();
      last_dir = &dirs[dir.empty() ? "." : dir];
      last_dir->directory = dir.empty() ? "." : dir;
      last_file = &f.file;
    }
    DirectorySummary& d = *last_dir;
    ++d.by_bucket[bi];
    ++d.findings;
    if (!f.kernel_class.empty()) ++classes[f.kernel_class];
  }
  for (std::size_t b = 0; b < s.buckets.size(); ++b) s.buckets[b].files = bucket_files[b].size();
  for (auto& [name, d] : dirs) s.directories.push_back(d);
  std::stable_sort(s.directories.begin(), s.directories.end(),
                   [](const DirectorySummary& a, const DirectorySummary& b) { return a.findings > b.findings; });
  s.kernel_classes = most_first(classes, classes.size());

  for (const char* adapter : kPlanOrder) {
    PlanStep step;
    step.adapter = adapter;
    std::map<std::string, std::size_t> files;
    std::map<std::pair<std::string, std::string>, PlanItem> items;
    for (const Finding& f : result.findings) {
      if (f.adapter != adapter) continue;
      ++step.findings;
      ++step.by_complexity[static_cast<std::size_t>(f.complexity)];
      ++files[f.file];
      // Kernels group by class (their `what` names each kernel); other findings by what they are.
      const std::string what = f.kernel_class.empty() ? f.what : f.kernel_class + " kernels";
      PlanItem& item = items[{what, f.replacement}];
      item.what = what;
      item.replacement = f.replacement;
      item.complexity = std::max(item.complexity, f.complexity);
      ++item.count;
    }
    if (step.findings == 0) continue;
    step.files = files.size();
    for (auto& [key, item] : items) step.items.push_back(item);
    std::stable_sort(step.items.begin(), step.items.end(), [](const PlanItem& a, const PlanItem& b) {
      return a.count != b.count ? a.count > b.count : a.complexity > b.complexity;
    });
    step.top_files = most_first(files, 5);
    s.plan.push_back(std::move(step));
  }
  return s;
}

}  // namespace robomlx::port_scan
