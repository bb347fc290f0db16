// SPDX-License-Identifier: Apache-2.0
// port-scan reports: text for a terminal, JSON for tools, SARIF 2.1.0 for GitHub code scanning
// (findings shown on pull requests), Markdown for a port plan in an issue or a PR.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

#include "robomlx/port_scan/scan_summary.h"

namespace robomlx::port_scan {

enum class ReportFormat { text, json, sarif, markdown };

/// "text", "json", "sarif", "markdown" (also "md"); nullopt otherwise.
std::optional<ReportFormat> parse_report_format(std::string_view name);

void write_report(std::ostream& out, ReportFormat format, const ScanResult& result, const ScanSummary& summary);

void write_text_report(std::ostream& out, const ScanResult& result, const ScanSummary& summary);
void write_json_report(std::ostream& out, const ScanResult& result, const ScanSummary& summary);
void write_sarif_report(std::ostream& out, const ScanResult& result);
void write_markdown_report(std::ostream& out, const ScanResult& result, const ScanSummary& summary);

}  // namespace robomlx::port_scan
