// SPDX-License-Identifier: Apache-2.0
// The Llama forward pass: one sequence's prompt chunk on its own cache, and the batched decode
// step on the shared left-padded cache (llama_model.h says why that layout).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <variant>

#include <mlx/fast.h>
#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/llama_model_internal.h"
#include "robomlx/serve/quantized_linear.h"

namespace robomlx::serve {

namespace {
constexpr int kGroup = 32;  // load_gguf's group size for Q4_0/Q4_1/Q8_0

int round_up(int n, int step) { return (n + step - 1) / step * step; }
}  // namespace

mx::array LlamaLinear::apply(const mx::array& x, mx::StreamOrDevice s) const {
  if (bits == 0) return mx::matmul(x, mx::transpose(mx::astype(w, x.dtype(), s), s), s);
  return quantized_linear(x, w, *scales, *biases, kGroup, bits, s);
}

mx::array LlamaLinear::rows(const mx::array& ids, mx::Dtype dtype, mx::StreamOrDevice s) const {
  if (bits == 0) return mx::astype(mx::take(w, ids, 0, s), dtype, s);
  return mx::dequantize(mx::take(w, ids, 0, s), mx::take(*scales, ids, 0, s),
                        biases ? std::optional<mx::array>(mx::take(*biases, ids, 0, s)) : std::nullopt, kGroup, bits,
                        "affine", std::nullopt, dtype, s);
}

mx::array LlamaModel::embed(const mx::array& ids) const {
  // ids [B, T] -> [B, T, dim]
  const auto s = mx::default_stream(device_);
  mx::array flat = w_->embed.rows(mx::reshape(ids, {-1}, s), dtype_, s);
  return mx::reshape(flat, {ids.shape(0), ids.shape(1), config_.dim}, s);
}

mx::array LlamaModel::logits(const mx::array& hidden) const {
  // hidden [..., dim] -> float32 [..., vocab]
  const auto s = mx::default_stream(device_);
  mx::array h = mx::fast::rms_norm(hidden, w_->out_norm, config_.rms_eps, s);
  const LlamaLinear& out = w_->output ? *w_->output : w_->embed;
  return mx::astype(out.apply(h, s), mx::float32, s);
}

namespace {
// The attention + MLP block shared by both paths. x [B, T, dim]; positions: an int offset (one
// sequence) or an int32 array [B] (one per row). Writes the new keys and values into `k_cache` /
// `v_cache` at column `col` and attends to columns [0, col + T) under `mask` ("causal" or an array).
struct BlockArgs {
  const LlamaConfig& c;
  mx::Stream s;
  int col;
  std::variant<int, mx::array> positions;
  std::optional<mx::array> mask;  // bool [B, 1, T, col + T]; nullopt: causal (or nothing when T = 1)
  const LlamaRopeTables* rope = nullptr;  // CPU streams: rotate with these instead of fast::rope
};

mx::array block(const LlamaLayer& L, const mx::array& x, mx::array& k_cache, mx::array& v_cache, const BlockArgs& a) {
  const auto& c = a.c;
  const auto s = a.s;
  const int B = x.shape(0), T = x.shape(1);
  mx::array h = mx::fast::rms_norm(x, L.attn_norm, c.rms_eps, s);
  auto heads = [&](const mx::array& y, int n) {
    return mx::transpose(mx::reshape(y, {B, T, n, c.head_dim}, s), {0, 2, 1, 3}, s);
  };
  mx::array q = heads(L.q.apply(h, s), c.heads);
  mx::array k = heads(L.k.apply(h, s), c.kv_heads);
  mx::array v = heads(L.v.apply(h, s), c.kv_heads);
  auto rope = [&](const mx::array& y) {
    if (a.rope) return mx::add(mx::multiply(y, a.rope->cos, s), mx::multiply(mx::take(y, a.rope->swap, -1, s), a.rope->sin, s), s);
    if (const int* off = std::get_if<int>(&a.positions))
      return mx::fast::rope(y, c.rope_dims, true, c.rope_base, 1.0f, *off, std::nullopt, s);
    return mx::fast::rope(y, c.rope_dims, true, c.rope_base, 1.0f, std::get<mx::array>(a.positions), std::nullopt, s);
  };
  q = rope(q);
  k = rope(k);
  const mx::Shape start{0, 0, a.col, 0}, stop{B, c.kv_heads, a.col + T, c.head_dim};
  k_cache = mx::slice_update(k_cache, k, start, stop, s);
  v_cache = mx::slice_update(v_cache, v, start, stop, s);
  const mx::Shape all{B, c.kv_heads, a.col + T, c.head_dim};
  mx::array keys = mx::slice(k_cache, {0, 0, 0, 0}, all, s);
  mx::array values = mx::slice(v_cache, {0, 0, 0, 0}, all, s);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  mx::array o = a.mask ? mx::fast::scaled_dot_product_attention(q, keys, values, scale, "array", *a.mask, {}, false, s)
                       : mx::fast::scaled_dot_product_attention(q, keys, values, scale, T > 1 ? "causal" : "", {}, {}, false, s);
  o = mx::reshape(mx::transpose(o, {0, 2, 1, 3}, s), {B, T, c.heads * c.head_dim}, s);
  mx::array y = mx::add(x, L.o.apply(o, s), s);
  h = mx::fast::rms_norm(y, L.ffn_norm, c.rms_eps, s);
  mx::array g = L.gate.apply(h, s);
  mx::array act = mx::multiply(mx::multiply(g, mx::sigmoid(g, s), s), L.up.apply(h, s), s);
  return mx::add(y, L.down.apply(act, s), s);
}

// Grows every layer's cache [B, kvh, cap, hd] along the columns to `cap` (zeros).
void grow(std::vector<mx::array>& caches, int cap, mx::Stream s) {
  for (auto& c : caches) {
    auto shape = c.shape();
    const int extra = cap - shape[2];
    if (extra <= 0) continue;
    shape[2] = extra;
    c = mx::concatenate({c, mx::zeros(shape, c.dtype(), s)}, 2, s);
  }
}
}  // namespace

mx::array LlamaModel::run_chunk(Sequence& seq, const std::vector<int>& tokens) {
  const auto s = mx::default_stream(device_);
  const int T = static_cast<int>(tokens.size());
  const int col = seq.done;
  if (seq.k.empty()) {
    seq.cap = round_up(col + T, kLlamaCacheStep);
    for (int l = 0; l < config_.layers; ++l) {
      seq.k.push_back(mx::zeros({1, config_.kv_heads, seq.cap, config_.head_dim}, dtype_, s));
      seq.v.push_back(mx::zeros({1, config_.kv_heads, seq.cap, config_.head_dim}, dtype_, s));
    }
  } else if (col + T > seq.cap) {
    seq.cap = round_up(col + T, kLlamaCacheStep);
    grow(seq.k, seq.cap, s);
    grow(seq.v, seq.cap, s);
  }
  mx::array ids(tokens.data(), {1, T}, mx::int32);
  mx::array x = embed(ids);
  std::optional<LlamaRopeTables> rope;
  if (w_->rope_cos) {
    const mx::Shape lo{col, 0}, hi{col + T, config_.head_dim}, shape{1, 1, T, config_.head_dim};
    rope = LlamaRopeTables{mx::reshape(mx::slice(*w_->rope_cos, lo, hi, s), shape, s),
                           mx::reshape(mx::slice(*w_->rope_sin, lo, hi, s), shape, s), *w_->rope_swap};
  }
  const BlockArgs args{config_, s, col, col, std::nullopt, rope ? &*rope : nullptr};
  for (int l = 0; l < config_.layers; ++l) x = block(w_->layers[l], x, seq.k[l], seq.v[l], args);
  seq.done = col + T;
  return x;
}

mx::array LlamaModel::forward_all(const std::vector<int>& tokens) {
  if (tokens.empty()) throw std::invalid_argument("llama: forward_all needs at least one token");
  Sequence tmp;
  tmp.tokens = tokens;
  tmp.prompt = static_cast<int>(tokens.size());
  mx::array out = logits(run_chunk(tmp, tokens));
  out = mx::reshape(out, {static_cast<int>(tokens.size()), config_.vocab});
  mx::eval(out);
  return out;
}

void LlamaModel::regroup(const std::vector<SequenceId>& members) {
  const auto s = mx::default_stream(device_);
  const int kvh = config_.kv_heads, hd = config_.head_dim;
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
  next->cap = round_up(longest + 1, kLlamaCacheStep);
  std::vector<mx::array> to_eval;
  for (int l = 0; l < config_.layers; ++l) {
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
      q.cap = round_up(q.done + 1, kLlamaCacheStep);
      q.k.clear();
      q.v.clear();
      for (int l = 0; l < config_.layers; ++l) {
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

mx::array LlamaModel::decode(const std::vector<SequenceId>& seqs, const std::vector<int>& tokens) {
  if (seqs.empty() || seqs.size() != tokens.size())
    throw std::invalid_argument("llama: decode needs one token per sequence and at least one sequence");
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const Sequence& q = get(seqs[i]);
    if (q.done < q.prompt) throw std::invalid_argument("llama: decode before the prompt of sequence " + std::to_string(seqs[i]) + " has run");
    if (static_cast<int>(q.tokens.size()) + 1 > info_.context_length)
      throw std::invalid_argument("llama: sequence " + std::to_string(seqs[i]) + " is at the context length");
    if (tokens[i] < 0 || tokens[i] >= config_.vocab) throw std::invalid_argument("llama: token id out of range");
    if (std::count(seqs.begin(), seqs.end(), seqs[i]) > 1) throw std::invalid_argument("llama: a sequence appears twice in decode");
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
  std::vector<int> row_tokens(B), row_pos(B), caller_row(seqs.size());
  for (int r = 0; r < B; ++r) {
    const auto i = std::find(seqs.begin(), seqs.end(), b.rows[r]) - seqs.begin();
    row_tokens[r] = tokens[i];
    row_pos[r] = get(b.rows[r]).done;
    caller_row[i] = r;
  }
  const auto s = mx::default_stream(device_);
  if (b.end + 1 > b.cap) {
    b.cap = round_up(b.end + 1, kLlamaCacheStep);
    grow(b.k, b.cap, s);
    grow(b.v, b.cap, s);
  }
  mx::array pos(row_pos.data(), {B}, mx::int32);
  // Row r sees columns [end - len_r, end] (its own keys and the new one).
  mx::array first = mx::subtract(mx::array(b.end), pos, s);
  mx::array mask = mx::greater_equal(mx::reshape(mx::arange(b.end + 1, mx::int32, s), {1, b.end + 1}, s),
                                     mx::reshape(first, {B, 1}, s), s);
  mask = mx::reshape(mask, {B, 1, 1, b.end + 1}, s);
  mx::array x = embed(mx::array(row_tokens.data(), {B, 1}, mx::int32));
  std::optional<LlamaRopeTables> rope;
  if (w_->rope_cos) {
    const mx::Shape shape{B, 1, 1, config_.head_dim};
    rope = LlamaRopeTables{mx::reshape(mx::take(*w_->rope_cos, pos, 0, s), shape, s),
                           mx::reshape(mx::take(*w_->rope_sin, pos, 0, s), shape, s), *w_->rope_swap};
  }
  const BlockArgs args{config_, s, b.end, pos, mask, rope ? &*rope : nullptr};
  for (int l = 0; l < config_.layers; ++l) x = block(w_->layers[l], x, b.k[l], b.v[l], args);
  mx::array out = mx::reshape(logits(x), {B, config_.vocab}, s);
  if (seqs.size() > 1 && !std::is_sorted(caller_row.begin(), caller_row.end()))
    out = mx::take(out, mx::array(caller_row.data(), {static_cast<int>(caller_row.size())}, mx::int32), 0, s);
  std::vector<mx::array> to_eval{out};
  to_eval.insert(to_eval.end(), b.k.begin(), b.k.end());
  to_eval.insert(to_eval.end(), b.v.begin(), b.v.end());
  mx::eval(to_eval);
  b.end += 1;
  for (int r = 0; r < B; ++r) {
    Sequence& q = get(b.rows[r]);
    q.tokens.push_back(row_tokens[r]);
    q.done += 1;
  }
  return out;
}

}  // namespace robomlx::serve
