// SPDX-License-Identifier: Apache-2.0
// The text report: one line per finding (file:line:col, as compilers print, so editors jump to it),
// then the summaries and the port plan with the seed's replacements.
#include "robomlx/port_scan/scan_report.h"

#include <cstdio>
#include <string>

namespace robomlx::port_scan {

std::optional<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "text") return ReportFormat::text;
  if (name == "json") return ReportFormat::json;
  if (name == "sarif") return ReportFormat::sarif;
  if (name == "markdown" || name == "md") return ReportFormat::markdown;
  return std::nullopt;
}

void write_report(std::ostream& out, ReportFormat format, const ScanResult& result, const ScanSummary& summary) {
  switch (format) {
    case ReportFormat::text: write_text_report(out, result, summary); break;
    case ReportFormat::json: write_json_report(out, result, summary); break;
    case ReportFormat::sarif: write_sarif_report(out, result); break;
    case ReportFormat::markdown: write_markdown_report(out, result, summary); break;
  }
}

namespace {
std::string complexity_counts(const ComplexityCounts& c) {
  return "EASY " + std::to_string(c[0]) + ", MEDIUM " + std::to_string(c[1]) + ", HARD " + std::to_string(c[2]);
}

std::string rate(const ScanResult& r) {
  char buf[128];
  const double s = r.seconds > 0 ? r.seconds : 1e-9;
  std::snprintf(buf, sizeof buf, "%.3f s, %.0f files/s, %.1f MB/s", r.seconds, r.files_scanned / s,
                r.bytes_scanned / s / 1e6);
  return buf;
}
}  // namespace

void write_text_report(std::ostream& out, const ScanResult& result, const ScanSummary& summary) {
  for (const Finding& f : result.findings) {
    out << f.file << ':' << f.line << ':' << f.column << ": " << to_string(f.bucket) << ' ' << to_string(f.complexity)
        << " (" << to_string(f.confidence) << ") " << f.rule_id << ": " << f.what << "\n    " << f.snippet << '\n';
  }
  out << "\nport-scan: " << result.findings.size() << " findings in " << result.files_scanned << " files ("
      << result.bytes_scanned << " bytes; " << rate(result) << ")";
  if (!result.warnings.empty()) out << "; " << result.warnings.size() << " warnings";
  out << "\n\nby bucket:\n";
  for (const BucketSummary& b : summary.buckets) {
    std::string name = to_string(b.bucket);
    name.resize(9, ' ');
    out << "  " << name << b.findings << " findings in " << b.files << " files (" << complexity_counts(b.by_complexity)
        << ")\n";
  }
  if (!summary.kernel_classes.empty()) {
    out << "\nkernels by class:\n";
    for (const auto& [cls, n] : summary.kernel_classes) out << "  " << cls << ": " << n << '\n';
  }
  if (!summary.directories.empty()) {
    out << "\nby directory (most findings first):\n";
    std::size_t shown = 0;
    for (const DirectorySummary& d : summary.directories) {
      if (shown++ == 20) {
        out << "  ... " << summary.directories.size() - 20 << " more directories (--format json lists all)\n";
        break;
      }
      out << "  " << d.directory << ": " << d.findings << " (";
      bool first = true;
      for (Bucket b : kBuckets) {
        const std::size_t n = d.by_bucket[static_cast<std::size_t>(b)];
        if (n == 0) continue;
        out << (first ? "" : ", ") << to_string(b) << ' ' << n;
        first = false;
      }
      out << ")\n";
    }
  }
  if (!summary.plan.empty()) {
    out << "\nport plan (adapters first, the seed's order):\n";
    int n = 1;
    for (const PlanStep& step : summary.plan) {
      out << "  " << n++ << ". " << step.adapter << ": " << step.findings << " findings in " << step.files << " files ("
          << complexity_counts(step.by_complexity) << ")\n";
      for (const PlanItem& item : step.items) {
        out << "     - " << item.what << " x" << item.count << " [" << to_string(item.complexity) << "] -> "
            << item.replacement << '\n';
      }
      out << "     start with:";
      for (const auto& [file, count] : step.top_files) out << ' ' << file << " (" << count << ')';
      out << '\n';
    }
  }
}

}  // namespace robomlx::port_scan
