// SPDX-License-Identifier: Apache-2.0
// The Markdown report: summary tables, the port plan as a checklist in the seed's order, then the
// findings (the first 500; the JSON and SARIF reports carry all of them).
#include <cstdio>
#include <string>

#include "robomlx/port_scan/scan_report.h"

namespace robomlx::port_scan {

namespace {
// Table cells: pipes and newlines would break the row; backticks would close the code span.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else if (c == '`') out += '\'';
    else out += c;
  }
  return out;
}

std::string counts(const ComplexityCounts& c) {
  return std::to_string(c[0]) + " / " + std::to_string(c[1]) + " / " + std::to_string(c[2]);
}
}  // namespace

void write_markdown_report(std::ostream& out, const ScanResult& result, const ScanSummary& summary) {
  char rate[96];
  const double s = result.seconds > 0 ? result.seconds : 1e-9;
  std::snprintf(rate, sizeof rate, "%.2f s, %.0f files/s", result.seconds, result.files_scanned / s);
  out << "# Port scan\n\n" << result.findings.size() << " findings in " << result.files_scanned << " files (" << rate
      << ").\n\n## Buckets\n\n| bucket | findings | files | EASY / MEDIUM / HARD |\n|---|---:|---:|---|\n";
  for (const BucketSummary& b : summary.buckets) {
    out << "| " << to_string(b.bucket) << " | " << b.findings << " | " << b.files << " | " << counts(b.by_complexity) << " |\n";
  }
  if (!summary.kernel_classes.empty()) {
    out << "\n## Kernels by class\n\n| class | kernels |\n|---|---:|\n";
    for (const auto& [cls, n] : summary.kernel_classes) out << "| " << cell(cls) << " | " << n << " |\n";
  }
  if (!summary.directories.empty()) {
    out << "\n## Directories\n\n| directory | findings | compute | kernel | sim | sensor | platform | server |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const DirectorySummary& d : summary.directories) {
      out << "| `" << cell(d.directory) << "` | " << d.findings;
      for (std::size_t n : d.by_bucket) out << " | " << n;
      out << " |\n";
    }
  }
  if (!summary.plan.empty()) {
    out << "\n## Port plan\n\nAdapters first (ComputeBackend, KernelBackend, SimBackend, SensorBackend, PlannerBackend), "
           "then platform and server.\n";
    int n = 1;
    for (const PlanStep& step : summary.plan) {
      out << "\n### " << n++ << ". " << step.adapter << "\n\n" << step.findings << " findings in " << step.files
          << " files (EASY / MEDIUM / HARD: " << counts(step.by_complexity) << ").\n\n";
      for (const PlanItem& item : step.items) {
        out << "- [ ] " << cell(item.what) << " ×" << item.count << " (" << to_string(item.complexity) << "): "
            << cell(item.replacement) << '\n';
      }
      out << "\nStart with:";
      for (const auto& [file, count] : step.top_files) out << " `" << cell(file) << "` (" << count << ")";
      out << '\n';
    }
  }
  if (!result.findings.empty()) {
    out << "\n## Findings\n\n| location | bucket | what | complexity | confidence | code |\n|---|---|---|---|---|---|\n";
    std::size_t shown = 0;
    for (const Finding& f : result.findings) {
      if (shown++ == 500) {
        out << "\n" << result.findings.size() - 500 << " more findings: see `--format json` or `--format sarif`.\n";
        break;
      }
      out << "| `" << cell(f.file) << ":" << f.line << ":" << f.column << "` | " << to_string(f.bucket) << " | "
          << cell(f.what) << " | " << to_string(f.complexity) << " | " << to_string(f.confidence) << " | `"
          << cell(f.snippet) << "` |\n";
    }
  }
  if (!result.warnings.empty()) {
    out << "\n## Warnings\n\n";
    for (const std::string& w : result.warnings) out << "- " << cell(w) << '\n';
  }
}

}  // namespace robomlx::port_scan
