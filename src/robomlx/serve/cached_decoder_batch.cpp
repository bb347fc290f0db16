// SPDX-License-Identifier: Apache-2.0
// The batched decode step on the shared left-padded cache (cached_decoder.h says why that layout),
// and moving sequences' keys between their own caches and the batch.
#include <algorithm>
#include <stdexcept>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/cached_decoder_internal.h"

namespace robomlx::serve {

void CachedDecoder::regroup(const std::vector<SequenceId>& members) {
  const auto s = mx::default_stream(device_);
  const int kvh = kv_heads_, hd = head_dim_;
  // Where each live sequence's cached keys are now: its own cache, or a row of the old batch.
  auto source = [&](SequenceId id, int layer, bool keys) -> mx::array {
    Sequence& q = *seqs_.at(id);
    if (!q.batched) return mx::slice(keys ? q.k[layer] : q.v[layer], {0, 0, 0, 0}, {1, kvh, q.done, hd}, s);
    const auto& rows = batch_->rows;
    const int r = static_cast<int>(std::find(rows.begin(), rows.end(), id) - rows.begin());
    const auto& src = keys ? batch_->k[layer] : batch_->v[layer];
    return mx::slice(src, {r, 0, batch_->end - q.done, 0}, {r + 1, kvh, batch_->end, hd}, s);
  };
  int longest = 0;
  for (SequenceId id : members) longest = std::max(longest, seqs_.at(id)->done);
  auto next = std::make_unique<Batch>();
  next->rows = members;
  next->end = longest;
  next->cap = detail::round_up(longest + 1, detail::kCacheStep);
  std::vector<mx::array> to_eval;
  for (int l = 0; l < layers_; ++l) {
    for (bool keys : {true, false}) {
      std::vector<mx::array> rows;
      for (SequenceId id : members) {
        const int pad = longest - seqs_.at(id)->done;
        mx::array src = source(id, l, keys);
        rows.push_back(pad ? mx::concatenate({mx::zeros({1, kvh, pad, hd}, dtype_, s), src}, 2, s) : src);
      }
      mx::array all = mx::concatenate(rows, 0, s);
      all = mx::concatenate({all, mx::zeros({static_cast<int>(members.size()), kvh, next->cap - longest, hd}, dtype_, s)}, 2, s);
      (keys ? next->k : next->v).push_back(all);
      to_eval.push_back(all);
    }
  }
  // Old batch rows that leave (and are still alive) move back to caches of their own.
  if (batch_) {
    for (SequenceId id : batch_->rows) {
      auto it = seqs_.find(id);
      if (it == seqs_.end() || std::find(members.begin(), members.end(), id) != members.end()) continue;
      Sequence& q = *it->second;
      q.cap = detail::round_up(q.done + 1, detail::kCacheStep);
      q.k.clear();
      q.v.clear();
      for (int l = 0; l < layers_; ++l) {
        for (bool keys : {true, false}) {
          mx::array own = mx::concatenate({source(id, l, keys), mx::zeros({1, kvh, q.cap - q.done, hd}, dtype_, s)}, 2, s);
          (keys ? q.k : q.v).push_back(own);
          to_eval.push_back(own);
        }
      }
    }
  }
  mx::eval(to_eval);
  for (auto& [id, q] : seqs_) {
    if (q->batched && std::find(members.begin(), members.end(), id) == members.end()) q->batched = false;
  }
  for (SequenceId id : members) {
    Sequence& q = *seqs_.at(id);
    q.batched = true;
    q.k.clear();
    q.v.clear();
    q.cap = 0;
  }
  batch_ = std::move(next);
}

// Where each caller's token sits in the shared batch.
struct CachedDecoder::DecodePlan {
  std::vector<int> row_tokens, row_pos, caller_row;
};

CachedDecoder::DecodePlan CachedDecoder::plan_decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) {
  if (seqs.empty() || seqs.size() != tokens.size())
    throw std::invalid_argument(std::string(name()) + ": decode needs one token per sequence and at least one sequence");
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const Sequence& q = get(seqs[i]);
    if (q.done < q.prompt) throw std::invalid_argument(std::string(name()) + ": decode before the prompt of sequence " + std::to_string(seqs[i]) + " has run");
    if (static_cast<int>(q.tokens.size()) + 1 > info_.context_length)
      throw std::invalid_argument(std::string(name()) + ": sequence " + std::to_string(seqs[i]) + " is at the context length");
    if (tokens[i] < 0 || tokens[i] >= info_.vocab_size) throw std::invalid_argument(std::string(name()) + ": token id out of range");
    if (std::count(seqs.begin(), seqs.end(), seqs[i]) > 1) throw std::invalid_argument(std::string(name()) + ": a sequence appears twice in decode");
  }
  // Same members in any order reuse the batch; the rows are permuted instead of the cache.
  std::vector<SequenceId> sorted(seqs), current;
  std::sort(sorted.begin(), sorted.end());
  if (batch_) {
    current = batch_->rows;
    std::sort(current.begin(), current.end());
  }
  if (!batch_ || sorted != current) regroup(seqs);
  Batch& b = *batch_;
  const int B = static_cast<int>(b.rows.size());
  DecodePlan plan{std::vector<int>(B), std::vector<int>(B), std::vector<int>(seqs.size())};
  for (int r = 0; r < B; ++r) {
    const auto i = std::find(seqs.begin(), seqs.end(), b.rows[r]) - seqs.begin();
    plan.row_tokens[r] = tokens[i];
    plan.row_pos[r] = get(b.rows[r]).done;
    plan.caller_row[i] = r;
  }
  if (b.end + 1 > b.cap) {
    const auto s = mx::default_stream(device_);
    b.cap = detail::round_up(b.end + 1, detail::kCacheStep);
    detail::grow(b.k, b.cap, s);
    detail::grow(b.v, b.cap, s);
  }
  return plan;
}

mx::array CachedDecoder::decode_forward(const DecodePlan& plan, std::vector<mx::array>& k, std::vector<mx::array>& v) {
  const Batch& b = *batch_;
  const int B = static_cast<int>(b.rows.size());
  const auto s = mx::default_stream(device_);
  mx::array ids(plan.row_tokens.data(), {B, 1}, mx::int32);
  if (B == 1 && plan.row_pos[0] == b.end) {
    // One row has no padding and sits at position end: the single-sequence step (no mask, no
    // per-row position gathers), fewer nodes for the most common decode.
    mx::array x = forward(DecoderStep{ids, b.end, b.end, std::nullopt}, k, v);
    return mx::reshape(head(x), {1, info_.vocab_size}, s);
  }
  mx::array pos(plan.row_pos.data(), {B}, mx::int32);
  // Row r's keys start at column end - len_r (its padding is on the left).
  mx::array first = mx::subtract(mx::array(b.end), pos, s);
  mx::array x = forward(DecoderStep{ids, b.end, pos, first}, k, v);
  mx::array out = mx::reshape(head(x), {B, info_.vocab_size}, s);
  const auto& caller = plan.caller_row;
  if (caller.size() > 1 && !std::is_sorted(caller.begin(), caller.end()))
    out = mx::take(out, mx::array(caller.data(), {static_cast<int>(caller.size())}, mx::int32), 0, s);
  return out;
}

mx::array CachedDecoder::decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) {
  const DecodePlan plan = plan_decode(seqs, tokens);
  Batch& b = *batch_;
  mx::array out = decode_forward(plan, b.k, b.v);
  std::vector<mx::array> to_eval{out};
  to_eval.insert(to_eval.end(), b.k.begin(), b.k.end());
  to_eval.insert(to_eval.end(), b.v.begin(), b.v.end());
  mx::eval(to_eval);
  b.end += 1;
  for (std::size_t r = 0; r < b.rows.size(); ++r) {
    Sequence& q = get(b.rows[r]);
    q.tokens.push_back(plan.row_tokens[r]);
    q.done += 1;
  }
  return out;
}

std::vector<mx::array> CachedDecoder::decode_graph(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) {
  const DecodePlan plan = plan_decode(seqs, tokens);
  Batch& b = *batch_;
  mx::eval(b.k);  // a grown cache is part of the batch, not of the step
  mx::eval(b.v);
  std::vector<mx::array> k = b.k, v = b.v;
  std::vector<mx::array> out{decode_forward(plan, k, v)};
  out.insert(out.end(), k.begin(), k.end());
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

}  // namespace robomlx::serve
