// SPDX-License-Identifier: Apache-2.0
// JSON and SARIF 2.1.0 reports. SARIF: one reportingDescriptor per rule id seen, results with
// ruleId / ruleIndex / level / message and a physicalLocation (repository-relative uri, region
// with startLine, startColumn in code points: run.columnKind says so). Levels follow complexity
// (HARD error, MEDIUM warning, EASY note) so code scanning sorts the hard blockers first.
#include <cctype>
#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "robomlx/core/version.h"
#include "robomlx/port_scan/scan_report.h"

namespace robomlx::port_scan {

namespace {
using json = nlohmann::ordered_json;

json finding_json(const Finding& f) {
  json j{{"file", f.file},         {"line", f.line},
         {"column", f.column},     {"bucket", to_string(f.bucket)},
         {"rule", f.rule_id},      {"what", f.what},
         {"complexity", to_string(f.complexity)}, {"confidence", to_string(f.confidence)},
         {"adapter", f.adapter},   {"replacement", f.replacement},
         {"snippet", f.snippet}};
  if (!f.kernel_class.empty()) j["kernel_class"] = f.kernel_class;
  return j;
}

json counts_json(const ComplexityCounts& c) { return json{{"EASY", c[0]}, {"MEDIUM", c[1]}, {"HARD", c[2]}}; }

const char* level(Complexity c) {
  return c == Complexity::hard ? "error" : c == Complexity::medium ? "warning" : "note";
}

std::string uri(const std::string& path) {
  std::string p = path;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  std::string out = p.rfind('/', 0) == 0 ? "file://" : "";
  for (unsigned char c : p) {  // RFC 3986: keep unreserved and '/', escape the rest
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

void dump(std::ostream& out, const json& j) {
  out << j.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
}
}  // namespace

void write_json_report(std::ostream& out, const ScanResult& result, const ScanSummary& summary) {
  json j;
  j["tool"] = std::string("robomlx port-scan ") + kVersion;
  j["files_scanned"] = result.files_scanned;
  j["bytes_scanned"] = result.bytes_scanned;
  j["seconds"] = result.seconds;
  j["findings"] = json::array();
  for (const Finding& f : result.findings) j["findings"].push_back(finding_json(f));
  json buckets = json::object();
  for (const BucketSummary& b : summary.buckets) {
    buckets[to_string(b.bucket)] = {{"findings", b.findings}, {"files", b.files}, {"complexity", counts_json(b.by_complexity)}};
  }
  j["summary"]["buckets"] = buckets;
  j["summary"]["kernel_classes"] = json::object();
  for (const auto& [cls, n] : summary.kernel_classes) j["summary"]["kernel_classes"][cls] = n;
  j["summary"]["directories"] = json::array();
  for (const DirectorySummary& d : summary.directories) {
    json by = json::object();
    for (Bucket b : kBuckets) {
      if (const std::size_t n = d.by_bucket[static_cast<std::size_t>(b)]) by[to_string(b)] = n;
    }
    j["summary"]["directories"].push_back({{"directory", d.directory}, {"findings", d.findings}, {"buckets", by}});
  }
  j["plan"] = json::array();
  for (const PlanStep& s : summary.plan) {
    json items = json::array();
    for (const PlanItem& i : s.items) {
      items.push_back({{"what", i.what}, {"count", i.count}, {"complexity", to_string(i.complexity)}, {"replacement", i.replacement}});
    }
    json files = json::array();
    for (const auto& [f, n] : s.top_files) files.push_back({{"file", f}, {"findings", n}});
    j["plan"].push_back({{"adapter", s.adapter}, {"findings", s.findings}, {"files", s.files},
                         {"complexity", counts_json(s.by_complexity)}, {"items", items}, {"start_with", files}});
  }
  j["warnings"] = result.warnings;
  dump(out, j);
}

void write_sarif_report(std::ostream& out, const ScanResult& result) {
  json rules = json::array();
  std::map<std::string, std::size_t> rule_index;
  for (const Finding& f : result.findings) {
    if (rule_index.count(f.rule_id)) continue;
    rule_index[f.rule_id] = rules.size();
    const std::string title = f.kernel_class.empty() ? f.what : "GPU kernel: " + f.kernel_class;
    rules.push_back({{"id", f.rule_id},
                     {"name", f.rule_id},
                     {"shortDescription", {{"text", title}}},
                     {"fullDescription", {{"text", title + " (bucket " + to_string(f.bucket) + ")"}}},
                     {"help", {{"text", "Replacement: " + f.replacement}, {"markdown", "**Replacement:** " + f.replacement}}},
                     {"defaultConfiguration", {{"level", level(f.complexity)}}},
                     {"properties", {{"tags", json::array({"porting", to_string(f.bucket)})}, {"bucket", to_string(f.bucket)},
                                     {"adapter", f.adapter}}}});
  }
  json results = json::array();
  for (const Finding& f : result.findings) {
    json region{{"startLine", f.line}, {"startColumn", f.column}, {"snippet", {{"text", f.snippet}}}};
    json r{{"ruleId", f.rule_id},
           {"ruleIndex", rule_index[f.rule_id]},
           {"level", level(f.complexity)},
           {"message", {{"text", f.what + " [" + to_string(f.bucket) + ", " + to_string(f.complexity) + "]: " + f.replacement}}},
           {"locations", json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", uri(f.file)}}}, {"region", region}}}}})},
           {"properties", {{"bucket", to_string(f.bucket)}, {"complexity", to_string(f.complexity)},
                           {"confidence", to_string(f.confidence)}, {"adapter", f.adapter}}}};
    if (!f.kernel_class.empty()) r["properties"]["kernelClass"] = f.kernel_class;
    results.push_back(std::move(r));
  }
  json sarif{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
             {"version", "2.1.0"},
             {"runs", json::array({{{"tool", {{"driver", {{"name", "robomlx-port-scan"},
                                                          {"version", kVersion},
                                                          {"rules", rules}}}}},
                                    {"columnKind", "unicodeCodePoints"},
                                    {"results", results}}})}};
  dump(out, sarif);
}

}  // namespace robomlx::port_scan
