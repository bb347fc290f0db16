// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/server_metrics.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace robomlx::serve {

namespace {

struct Family {
  const char* name;
  const char* type;
  const char* help;
};

// Every family is listed (with HELP and TYPE) even before its first sample, so a dashboard
// finds each documented name on a fresh server.
constexpr Family kFamilies[] = {
    {"robomlx_requests_total", "counter", "HTTP requests answered, by endpoint and status."},
    {"robomlx_request_failure_total", "counter", "Requests that failed, by reason."},
    {"robomlx_request_success_total", "counter", "Generations that ended normally, by finish reason."},
    {"robomlx_requests_running", "gauge", "Sequences being prefilled or decoded."},
    {"robomlx_requests_waiting", "gauge", "Tasks queued for the inference thread."},
    {"robomlx_prompt_tokens_total", "counter", "Prompt tokens processed."},
    {"robomlx_generation_tokens_total", "counter", "Tokens generated."},
    {"robomlx_time_to_first_token_seconds", "histogram", "From admission to the first generated token."},
    {"robomlx_inter_token_latency_seconds", "histogram", "Between consecutive generated tokens."},
    {"robomlx_e2e_request_latency_seconds", "histogram", "From submission to the end of a generation."},
    {"robomlx_queue_time_seconds", "histogram", "From submission to admission."},
    {"robomlx_model_loaded", "gauge", "1 when the model is loaded and warmed up."},
    {"robomlx_prefix_cache_lookups_total", "counter", "Prompts looked up in the prefix cache."},
    {"robomlx_prefix_cache_hits_total", "counter", "Prompts that reused a cached prefix's keys and values."},
    {"robomlx_prefix_cache_reused_tokens_total", "counter", "Prompt tokens taken from the prefix cache instead of computed."},
    {"robomlx_prefix_cache_evictions_total", "counter", "Prefix cache entries evicted to stay within its size."},
    {"robomlx_prefix_cache_bytes", "gauge", "Memory held by the prefix cache."},
    {"robomlx_prefix_cache_entries", "gauge", "Entries in the prefix cache."},
};

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Label values escape backslash, quote and newline (the format's rule).
std::string label(const std::string& key, const std::string& value) {
  std::string out = key + "=\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

std::string family_of(const std::string& series) { return series.substr(0, series.find('{')); }

}  // namespace

ServerMetrics::ServerMetrics() {
  const std::vector<double> latency = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  for (const char* h : {"robomlx_time_to_first_token_seconds", "robomlx_inter_token_latency_seconds",
                        "robomlx_e2e_request_latency_seconds", "robomlx_queue_time_seconds"})
    histograms_[h] = Histogram{latency, std::vector<long>(latency.size() + 1, 0), 0, 0};
  gauges_["robomlx_requests_running"] = 0;
  gauges_["robomlx_requests_waiting"] = 0;
  counters_["robomlx_prompt_tokens_total"] = 0;
  counters_["robomlx_generation_tokens_total"] = 0;
  for (const char* c : {"robomlx_prefix_cache_lookups_total", "robomlx_prefix_cache_hits_total",
                        "robomlx_prefix_cache_reused_tokens_total", "robomlx_prefix_cache_evictions_total"})
    counters_[c] = 0;
  gauges_["robomlx_prefix_cache_bytes"] = 0;
  gauges_["robomlx_prefix_cache_entries"] = 0;
}

void ServerMetrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_["robomlx_requests_total{" + label("endpoint", endpoint) + "," + label("status", std::to_string(status)) +
            "}"] += 1;
}

void ServerMetrics::count_failure(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_["robomlx_request_failure_total{" + label("reason", reason) + "}"] += 1;
}

void ServerMetrics::count_finished(const std::string& finished_reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_["robomlx_request_success_total{" + label("finished_reason", finished_reason) + "}"] += 1;
}

void ServerMetrics::add_prompt_tokens(long n) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_["robomlx_prompt_tokens_total"] += static_cast<double>(n);
}

void ServerMetrics::add_generation_tokens(long n) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_["robomlx_generation_tokens_total"] += static_cast<double>(n);
}

void ServerMetrics::observe(Histogram& h, double v) {
  std::size_t i = 0;
  while (i < h.bounds.size() && v > h.bounds[i]) ++i;
  ++h.counts[i];
  h.sum += v;
  ++h.count;
}

void ServerMetrics::observe_ttft(double s) {
  std::lock_guard<std::mutex> lock(mutex_);
  observe(histograms_["robomlx_time_to_first_token_seconds"], s);
}
void ServerMetrics::observe_inter_token(double s) {
  std::lock_guard<std::mutex> lock(mutex_);
  observe(histograms_["robomlx_inter_token_latency_seconds"], s);
}
void ServerMetrics::observe_e2e(double s) {
  std::lock_guard<std::mutex> lock(mutex_);
  observe(histograms_["robomlx_e2e_request_latency_seconds"], s);
}
void ServerMetrics::observe_queue(double s) {
  std::lock_guard<std::mutex> lock(mutex_);
  observe(histograms_["robomlx_queue_time_seconds"], s);
}

void ServerMetrics::set_running(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  gauges_["robomlx_requests_running"] = n;
}
void ServerMetrics::set_waiting(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  gauges_["robomlx_requests_waiting"] = n;
}
void ServerMetrics::set_model_loaded(const std::string& model, bool loaded) {
  std::lock_guard<std::mutex> lock(mutex_);
  gauges_["robomlx_model_loaded{" + label("model", model) + "}"] = loaded ? 1 : 0;
}

void ServerMetrics::count_prefix_lookup(int reused_tokens) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_["robomlx_prefix_cache_lookups_total"] += 1;
  if (reused_tokens <= 0) return;
  counters_["robomlx_prefix_cache_hits_total"] += 1;
  counters_["robomlx_prefix_cache_reused_tokens_total"] += reused_tokens;
}
void ServerMetrics::set_prefix_cache(long long bytes, int entries, long evictions) {
  std::lock_guard<std::mutex> lock(mutex_);
  gauges_["robomlx_prefix_cache_bytes"] = static_cast<double>(bytes);
  gauges_["robomlx_prefix_cache_entries"] = entries;
  counters_["robomlx_prefix_cache_evictions_total"] = static_cast<double>(evictions);
}

std::string ServerMetrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  for (const Family& f : kFamilies) {
    out << "# HELP " << f.name << " " << f.help << "\n# TYPE " << f.name << " " << f.type << "\n";
    if (std::string(f.type) == "histogram") {
      const Histogram& h = histograms_.at(f.name);
      long cumulative = 0;
      for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
        cumulative += h.counts[i];
        const double le = i < h.bounds.size() ? h.bounds[i] : INFINITY;
        out << f.name << "_bucket{le=\"" << number(le) << "\"} " << cumulative << "\n";
      }
      out << f.name << "_sum " << number(h.sum) << "\n" << f.name << "_count " << h.count << "\n";
      continue;
    }
    const auto& table = std::string(f.type) == "counter" ? counters_ : gauges_;
    for (const auto& [series, v] : table)
      if (family_of(series) == f.name) out << series << " " << number(v) << "\n";
  }
  return out.str();
}

double ServerMetrics::value(const std::string& series) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = counters_.find(series); it != counters_.end()) return it->second;
  if (auto it = gauges_.find(series); it != gauges_.end()) return it->second;
  return 0;
}

}  // namespace robomlx::serve
