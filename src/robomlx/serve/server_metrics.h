// SPDX-License-Identifier: Apache-2.0
// The server's Prometheus metrics, rendered by hand in the text exposition format (version
// 0.0.4: `# HELP`, `# TYPE`, `name{label="value"} number`, histograms as cumulative `_bucket{le}`
// plus `_sum` and `_count`). Hand-written rather than prometheus-cpp: the format is a few dozen
// lines, and the server then needs no dependency beyond cpp-httplib and nlohmann-json.
//
// Names follow vLLM / llama.cpp with the prefix `robomlx_` (specs/serving.md section 1.2):
//   robomlx_requests_total{endpoint,status}         HTTP requests answered
//   robomlx_request_failure_total{reason}           rejected (429), auth, bad_request, not_found,
//                                                   timeout, cancelled, backend, unavailable
//   robomlx_request_success_total{finished_reason}  generations that ended (stop, length)
//   robomlx_requests_running, robomlx_requests_waiting       gauges (sequences, queued tasks)
//   robomlx_prompt_tokens_total, robomlx_generation_tokens_total
//   robomlx_time_to_first_token_seconds, robomlx_inter_token_latency_seconds,
//   robomlx_e2e_request_latency_seconds, robomlx_queue_time_seconds   histograms
//   robomlx_model_loaded{model}                     1 once the model is loaded and warmed up
//   robomlx_prefix_cache_lookups_total, _hits_total  prompts looked up / reusing a cached prefix
//   robomlx_prefix_cache_reused_tokens_total        prompt tokens not recomputed (vLLM's
//                                                   prefix_cache_hits counts these)
//   robomlx_prefix_cache_evictions_total, robomlx_prefix_cache_bytes, robomlx_prefix_cache_entries
// Every method is thread-safe (one mutex; updates are a few per token).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace robomlx::serve {

class ServerMetrics {
 public:
  ServerMetrics();

  void count_request(const std::string& endpoint, int status);
  void count_failure(const std::string& reason);
  void count_finished(const std::string& finished_reason);
  void add_prompt_tokens(long n);
  void add_generation_tokens(long n);
  void observe_ttft(double seconds);
  void observe_inter_token(double seconds);
  void observe_e2e(double seconds);
  void observe_queue(double seconds);
  void set_running(int n);
  void set_waiting(int n);
  void set_model_loaded(const std::string& model, bool loaded);
  /// One prompt looked up in the prefix cache; reused_tokens > 0 is a hit.
  void count_prefix_lookup(int reused_tokens);
  /// The prefix cache's state after a change (evictions: the running total).
  void set_prefix_cache(long long bytes, int entries, long evictions);

  /// The whole exposition text.
  std::string render() const;
  /// One counter's value (tests): `name` with its labels as rendered, e.g.
  /// `robomlx_request_failure_total{reason="rejected"}`; 0 when never counted.
  double value(const std::string& series) const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<long> counts;  // per bucket, not cumulative; one more for +Inf
    double sum = 0;
    long count = 0;
  };
  void observe(Histogram& h, double v);

  mutable std::mutex mutex_;
  std::map<std::string, double> counters_;  // full series name -> value
  std::map<std::string, double> gauges_;
  std::map<std::string, Histogram> histograms_;
};

}  // namespace robomlx::serve
