// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/scheduler.h"

#include <stdexcept>

#include <mlx/mlx.h>

#include "robomlx/serve/kserve_pipelines.h"
#include "robomlx/serve/scheduler_internal.h"
#include "robomlx/serve/server_metrics.h"

namespace robomlx::serve {

namespace {

void check(bool ok, const std::string& field, const std::string& rule, long got) {
  if (!ok) throw std::invalid_argument("[serve] " + field + " must be " + rule + ", got " + std::to_string(got));
}

std::vector<float> host_rows(mx::array a) {
  a = mx::contiguous(mx::astype(a, mx::float32));
  mx::eval(a);
  return std::vector<float>(a.data<float>(), a.data<float>() + a.size());
}

}  // namespace

void SchedulerOptions::validate() const {
  check(max_batch >= 1 && max_batch <= 1024, "--max-batch", "in [1, 1024]", max_batch);
  check(max_queue >= 0 && max_queue <= 100000, "--max-queue", "in [0, 100000]", max_queue);
  check(prefill_chunk >= 1, "prefill chunk", ">= 1", prefill_chunk);
  check(prefix_cache_bytes >= 0, "--prefix-cache-mb", ">= 0", static_cast<long>(prefix_cache_bytes));
  check(timeout.count() >= 1, "--timeout", "> 0 ms", static_cast<long>(timeout.count()));
}

Scheduler::Scheduler(SchedulerOptions options, std::vector<ModelSource> models, ServerMetrics* metrics)
    : options_(options), sources_(std::move(models)), metrics_(metrics) {
  options_.validate();
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  if (thread_.joinable()) return;
  heartbeat_.store(Clock::now().time_since_epoch().count());
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    wake_pending_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Scheduler::Submit Scheduler::submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_ || draining_) return Submit::stopping;
    if (!ready_.load()) return Submit::not_ready;
    if (static_cast<int>(inbox_.size()) >= options_.max_queue + std::max(0, options_.max_batch - running_.load()))
      return Submit::queue_full;
    task.enqueued = Clock::now();
    task.deadline = task.enqueued + options_.timeout;
    inbox_.push_back(std::move(task));
    wake_pending_ = true;
    if (metrics_) metrics_->set_waiting(static_cast<int>(inbox_.size()));
  }
  wake_.notify_all();
  return Submit::accepted;
}

void Scheduler::cancel(const std::shared_ptr<ResultChannel>& channel) {
  channel->cancel();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_pending_ = true;
  }
  wake_.notify_all();
}

bool Scheduler::drain(std::chrono::milliseconds budget) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
  }
  const auto until = Clock::now() + budget;
  while (Clock::now() < until) {
    if (waiting() == 0 && running_.load() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return waiting() == 0 && running_.load() == 0;
}

std::string Scheduler::load_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return load_error_;
}

std::vector<ServedModel> Scheduler::models() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return models_;
}

std::optional<ServedModel> Scheduler::find(const std::string& id, const std::string& kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& m : models_)
    if (m.id == id && (kind.empty() || m.kind == kind)) return m;
  return std::nullopt;
}

int Scheduler::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(inbox_.size());
}

// ---- the inference thread -----------------------------------------------------------------

namespace {

void load_models(Scheduler::Impl& impl, const std::vector<ModelSource>& sources, std::vector<ServedModel>& served) {
  for (const auto& src : sources) {
    const RegisteredModel* entry = find_model(src.name);
    if (!entry) throw std::invalid_argument("[serve] unknown model '" + src.name + "'");
    LoadedModel m = entry->factory(src.path);
    if (m.text) {
      const ModelInfo& info = m.text->info();
      if (impl.text.count(info.id) || impl.embedding.count(info.id))
        throw std::invalid_argument("[serve] two models are called '" + info.id + "'");
      served.push_back({info.id, "text", info.context_length, 0});
      impl.text[info.id] = std::move(m.text);
    } else if (m.embedding) {
      const ModelInfo& info = m.embedding->info();
      if (impl.text.count(info.id) || impl.embedding.count(info.id))
        throw std::invalid_argument("[serve] two models are called '" + info.id + "'");
      served.push_back({info.id, "embedding", info.context_length, 0});
      impl.embedding[info.id] = std::move(m.embedding);
    } else {
      throw std::runtime_error("[serve] the factory of '" + src.name + "' returned no model");
    }
  }
  for (const auto& p : pipeline_specs()) served.push_back({p.name, "pipeline", 0, 0});
}

// One short run of everything, so the first client pays no compile or allocation cost.
void warm_up(Scheduler::Impl& impl, std::vector<ServedModel>& served, bool full) {
  for (auto& [id, model] : impl.text) {
    if (!full) break;
    const std::vector<int> ids = model->tokenizer().encode("warm up", true);
    const SequenceId seq = model->start(ids);
    std::optional<mx::array> logits;
    while (!(logits = model->prefill(seq, impl.options.prefill_chunk))) {
    }
    mx::eval(model->decode({seq}, {ids.back()}));
    model->release(seq);
  }
  for (auto& [id, model] : impl.embedding) {
    const mx::array v = model->embed({"warm up"});  // also tells the dimension
    for (auto& s : served)
      if (s.id == id) s.embedding_dim = v.ndim() == 2 ? v.shape(1) : 0;
  }
  if (full)
    for (const auto& p : pipeline_specs()) run_pipeline(example_request(p.name, 48, 64));
}

void run_job(Scheduler::Impl& impl, Task& task, ServerMetrics* metrics) {
  try {
    if (auto* e = std::get_if<EmbeddingRequest>(&task.request)) {
      auto it = impl.embedding.find(e->model);
      if (it == impl.embedding.end()) {
        task.channel->push(Failure{404, "invalid_request_error", "The model '" + e->model + "' does not exist"});
        return;
      }
      std::vector<int> counts;
      const std::vector<float> flat = host_rows(it->second->embed(e->inputs, &counts));
      EmbeddingResult r;
      const std::size_t dim = e->inputs.empty() ? 0 : flat.size() / e->inputs.size();
      for (std::size_t i = 0; i < e->inputs.size(); ++i)
        r.vectors.emplace_back(flat.begin() + i * dim, flat.begin() + (i + 1) * dim);
      for (int c : counts) r.tokens += c;
      if (metrics) metrics->add_prompt_tokens(r.tokens);
      task.channel->push(std::move(r));
    } else if (auto* inf = std::get_if<InferRequest>(&task.request)) {
      task.channel->push(run_pipeline(*inf));
    }
  } catch (const std::invalid_argument& e) {
    if (metrics) metrics->count_failure("bad_request");
    task.channel->push(Failure{400, "invalid_request_error", e.what()});
  } catch (const std::exception& e) {
    if (metrics) metrics->count_failure("backend");
    task.channel->push(Failure{500, "server_error", e.what()});
  }
}

}  // namespace

void Scheduler::loop() {
  impl_ = std::make_unique<Impl>();
  impl_->options = options_;
  impl_->metrics = metrics_;
  impl_->prefix_cache = PrefixCache(options_.prefix_cache_bytes);
  try {
    std::vector<ServedModel> served;
    load_models(*impl_, sources_, served);
    warm_up(*impl_, served, options_.warmup);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      models_ = served;
    }
    if (metrics_)
      for (const auto& m : served) metrics_->set_model_loaded(m.id, true);
    ready_.store(true);
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    load_error_ = e.what();
  }

  const Failure shutting_down{503, "unavailable_error", "The server is shutting down"};
  while (true) {
    const auto now = Clock::now();
    heartbeat_.store(now.time_since_epoch().count());
    std::vector<Task> admit;
    std::optional<Task> job;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) break;
      int free_slots = options_.max_batch - static_cast<int>(impl_->active.size());
      for (auto it = inbox_.begin(); it != inbox_.end();) {
        if (it->channel->cancelled()) {
          if (metrics_) metrics_->count_failure("cancelled");
        } else if (now > it->deadline) {
          if (metrics_) metrics_->count_failure("timeout");
          it->channel->push(Failure{504, "timeout_error", "The request waited in the queue past the server's timeout"});
        } else if (std::holds_alternative<CompletionRequest>(it->request)) {
          if (free_slots <= 0) {
            ++it;
            continue;
          }
          --free_slots;
          admit.push_back(std::move(*it));
        } else if (!job) {
          job = std::move(*it);
        } else {
          ++it;
          continue;
        }
        it = inbox_.erase(it);
      }
      // Counted as running from the moment they leave the inbox, so drain() never sees a task
      // in neither place.
      running_.store(static_cast<int>(impl_->active.size() + admit.size()) + (job ? 1 : 0));
      if (metrics_) metrics_->set_waiting(static_cast<int>(inbox_.size()));
    }
    for (auto& t : admit) impl_->admit(std::move(t));
    if (job) run_job(*impl_, *job, metrics_);
    bool worked = impl_->prefill_step();
    worked = impl_->decode_step() || worked;
    impl_->reap(Clock::now());
    running_.store(static_cast<int>(impl_->active.size()));
    if (metrics_) metrics_->set_running(running_.load());
    if (worked || job || !admit.empty()) continue;
    std::unique_lock<std::mutex> lock(mutex_);
    // Woken by submit(), cancel() and stop(); the timeout keeps deadlines and the heartbeat going.
    wake_.wait_for(lock, std::chrono::milliseconds(50), [&] { return wake_pending_; });
    wake_pending_ = false;
  }

  impl_->abort_all(shutting_down);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& t : inbox_) t.channel->push(shutting_down);
    inbox_.clear();
  }
  running_.store(0);
  ready_.store(false);
  impl_.reset();  // models and arrays die on the thread that made them
  mx::clear_streams();
}

}  // namespace robomlx::serve
