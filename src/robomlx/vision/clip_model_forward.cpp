// SPDX-License-Identifier: Apache-2.0
// CLIP's forward passes on MLX ops (transformers' CLIPTextTransformer / CLIPVisionTransformer).
#include <cmath>
#include <stdexcept>

#include <mlx/ops.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/vision/clip_model_internal.h"

namespace robomlx::vision {

namespace {

// One pre-LN encoder layer: x + attn(ln1(x)), then + mlp(ln2(x)). q, k and v come from one GEMM
// ([B, L, 3, heads, d]) and reach attention as strided views, with no copy. A fused SDPA (cuDNN,
// 16-bit) reads them in place and writes q's [B, L, heads, d] layout, so merging the heads is a
// view there; MLX's unfused SDPA (CPU, float32 on CUDA) reads the views in its first ops.
mx::array encoder_layer(const mx::array& x, const ClipLayerWeights& L, const ClipEncoderConfig& e,
                        const std::optional<mx::array>& mask, const mx::Stream& s) {
  const int B = x.shape(0), T = x.shape(1), d = e.hidden / e.heads;
  const float scale = 1.0f / std::sqrt(float(d));
  const mx::array qkv = mx::transpose(mx::reshape(L.qkv(L.ln1(x, s), s), {B, T, 3, e.heads, d}, s), {2, 0, 3, 1, 4}, s);
  const auto part = [&](int i) { return mx::squeeze(mx::slice(qkv, {i, 0, 0, 0, 0}, {i + 1, B, e.heads, T, d}, s), 0, s); };
  const mx::array a = detail::attention(part(0), part(1), part(2), scale, mask, s);
  const mx::array y = mx::add(x, L.out(detail::merge_heads(a, s), s), s);
  mx::array f = L.fc1(L.ln2(y, s), s);
  f = e.act == ClipActivation::quick_gelu ? detail::quick_gelu(f, s) : detail::gelu_erf(f, s);
  return mx::add(y, L.fc2(f, s), s);
}

// The same layer for one row per sequence, the row the pooled output reads (CLS, or the text's
// EOS): keys and values still come from every token, but the query, the output projection and
// the MLP run on that row only. Used for the last layer when no per-token output is kept.
// index: int32 [B, 1, 1]; key_mask: bool [B, 1, 1, T] (true = may attend) or nullopt.
mx::array pooled_layer(const mx::array& x, const ClipLayerWeights& L, const ClipEncoderConfig& e, const mx::array& index,
                       const std::optional<mx::array>& key_mask, const mx::Stream& s) {
  const int B = x.shape(0), T = x.shape(1), D = e.hidden, d = D / e.heads;
  const float scale = 1.0f / std::sqrt(float(d));
  const mx::array h = L.ln1(x, s);
  const auto rows = [&](int r0, int r1) {  // the fused q|k|v Linear's rows [r0, r1): a view of it
    detail::Linear part;
    part.w = mx::slice(L.qkv.w, {r0, 0}, {r1, D}, s);
    if (L.qkv.b) part.b = mx::slice(*L.qkv.b, {r0}, {r1}, s);
    return part;
  };
  const mx::array kv = mx::transpose(mx::reshape(rows(D, 3 * D)(h, s), {B, T, 2, e.heads, d}, s), {2, 0, 3, 1, 4}, s);
  const auto part = [&](int i) { return mx::squeeze(mx::slice(kv, {i, 0, 0, 0, 0}, {i + 1, B, e.heads, T, d}, s), 0, s); };
  const mx::array x_row = mx::take_along_axis(x, index, 1, s);  // [B, 1, D]
  const mx::array q = detail::split_heads(rows(0, D)(mx::take_along_axis(h, index, 1, s), s), e.heads, s);
  const mx::array a = detail::attention(q, part(0), part(1), scale, key_mask, s);
  const mx::array y = mx::add(x_row, L.out(detail::merge_heads(a, s), s), s);
  mx::array f = L.fc1(L.ln2(y, s), s);
  f = e.act == ClipActivation::quick_gelu ? detail::quick_gelu(f, s) : detail::gelu_erf(f, s);
  return mx::squeeze(mx::add(y, L.fc2(f, s), s), 1, s);
}

}  // namespace

mx::array clip_normalize(const mx::array& x, mx::StreamOrDevice s) {
  const mx::Stream st = op_stream(s);
  return mx::divide(x, mx::sqrt(mx::sum(mx::square(x, st), -1, true, st), st), st);
}

ClipEncoderOutput ClipModel::encode_text(const mx::array& ids, const mx::array& attention_mask, bool keep_hidden, mx::StreamOrDevice s) const {
  const mx::Stream st = op_stream(s);
  if (ids.ndim() != 2 || attention_mask.shape() != ids.shape() || !mx::issubdtype(ids.dtype(), mx::integer))
    throw std::invalid_argument("[vision.clip] input_ids and attention_mask must be integer [B, L] of one shape");
  const int B = ids.shape(0), L = ids.shape(1);
  if (L < 1 || L > config_.max_positions)
    throw std::invalid_argument("[vision.clip] text length must be in [1, " + std::to_string(config_.max_positions) + "], got " + std::to_string(L));
  const mx::array tok = mx::astype(ids, mx::int32, st);
  mx::array x = mx::add(mx::take(w_->token_embedding, tok, 0, st), mx::slice(w_->text_positions, {0, 0}, {L, config_.text.hidden}, st), st);
  // Causal and padding masks, as transformers combines them (true = may attend).
  const mx::array pos = mx::arange(L, mx::int32, st);
  const mx::array causal = mx::greater_equal(mx::reshape(pos, {L, 1}, st), mx::reshape(pos, {1, L}, st), st);
  const mx::array keys = mx::reshape(mx::not_equal(attention_mask, mx::array(0), st), {B, 1, 1, L}, st);
  const std::optional<mx::array> mask = mx::logical_and(causal, keys, st);
  // Pooled position: the first EOS (argmax of id == eos returns the first), or argmax(id) for
  // the legacy configs.
  const mx::array where = config_.pool_at_argmax ? mx::argmax(tok, 1, false, st)
                                                 : mx::argmax(mx::astype(mx::equal(tok, mx::array(config_.eos_token_id), st), mx::int32, st), 1, false, st);
  const mx::array index = mx::reshape(mx::astype(where, mx::int32, st), {B, 1, 1}, st);
  ClipEncoderOutput out;
  if (keep_hidden) out.hidden_states.push_back(x);
  const int n = int(w_->text_layers.size());
  for (int i = 0; i + 1 < n; ++i) {
    x = encoder_layer(x, w_->text_layers[i], config_.text, mask, st);
    if (keep_hidden) out.hidden_states.push_back(x);
  }
  // The last layer: in full for the per-token outputs (lazy: computed only if read), and for the
  // pooled row alone, whose query attends to the keys at or before it that are not padding.
  const mx::array full = encoder_layer(x, w_->text_layers[n - 1], config_.text, mask, st);
  if (keep_hidden) out.hidden_states.push_back(full);
  out.last_hidden_state = w_->final_ln(full, st);
  const mx::array at_or_before = mx::less_equal(mx::reshape(pos, {1, 1, 1, L}, st), mx::reshape(index, {B, 1, 1, 1}, st), st);
  const mx::array row_mask = mx::logical_and(keys, at_or_before, st);
  const mx::array pooled = keep_hidden ? mx::squeeze(mx::take_along_axis(full, index, 1, st), 1, st)
                                       : pooled_layer(x, w_->text_layers[n - 1], config_.text, index, row_mask, st);
  out.pooler_output = w_->final_ln(pooled, st);
  out.embeds = w_->text_projection(out.pooler_output, st);
  return out;
}

ClipEncoderOutput ClipModel::encode_image(const mx::array& pixels, bool keep_hidden, mx::StreamOrDevice s) const {
  const mx::Stream st = op_stream(s);
  const int n = config_.image_size, p = config_.patch_size, g = n / p, D = config_.vision.hidden;
  if (pixels.ndim() != 4 || pixels.shape(1) != n || pixels.shape(2) != n || pixels.shape(3) != 3)
    throw std::invalid_argument("[vision.clip] pixel_values must be [B, " + std::to_string(n) + ", " + std::to_string(n) + ", 3] (NHWC)");
  const int B = pixels.shape(0);
  mx::array patches = detail::patch_embed(mx::astype(pixels, dtype_, st), w_->patch_weight, p, st);
  patches = mx::reshape(patches, {B, g * g, D}, st);
  const mx::array cls = mx::broadcast_to(mx::reshape(w_->class_embedding, {1, 1, D}, st), {B, 1, D}, st);
  mx::array x = mx::add(mx::concatenate({cls, patches}, 1, st), w_->vision_positions, st);
  x = w_->pre_ln(x, st);
  ClipEncoderOutput out;
  if (keep_hidden) out.hidden_states.push_back(x);
  const int layers = int(w_->vision_layers.size());
  for (int i = 0; i + 1 < layers; ++i) {
    x = encoder_layer(x, w_->vision_layers[i], config_.vision, std::nullopt, st);
    if (keep_hidden) out.hidden_states.push_back(x);
  }
  // As for text: the last layer in full only if read, and for the CLS row alone for the pooled output.
  out.last_hidden_state = encoder_layer(x, w_->vision_layers[layers - 1], config_.vision, std::nullopt, st);
  if (keep_hidden) out.hidden_states.push_back(out.last_hidden_state);
  const mx::array pooled = keep_hidden ? mx::squeeze(mx::slice(out.last_hidden_state, {0, 0, 0}, {B, 1, D}, st), 1, st)
                                       : pooled_layer(x, w_->vision_layers[layers - 1], config_.vision,
                                                      mx::zeros({B, 1, 1}, mx::int32, st), std::nullopt, st);
  out.pooler_output = w_->post_ln(pooled, st);
  out.embeds = w_->visual_projection(out.pooler_output, st);
  return out;
}

mx::array ClipModel::embed_texts(const std::vector<std::string>& texts, mx::StreamOrDevice s) const {
  const mx::Stream st = op_stream(s);
  const ClipTokenBatch batch = tokenizer_->encode_batch(texts, config_.max_positions);
  return clip_normalize(mx::astype(encode_text(batch.input_ids, batch.attention_mask, false, st).embeds, mx::float32, st), st);
}

mx::array ClipModel::embed_images(const std::vector<Image>& images, mx::StreamOrDevice s) const {
  const mx::Stream st = op_stream(s);
  if (images.empty()) throw std::invalid_argument("[vision.clip] the list of images must not be empty, got 0 images");
  std::vector<mx::array> pixels;
  for (const auto& im : images) pixels.push_back(clip_preprocess_image(im, image_settings_, st));
  return clip_normalize(mx::astype(encode_image(mx::stack(pixels, 0, st), false, st).embeds, mx::float32, st), st);
}

mx::array ClipModel::logits_per_image(const mx::array& image_embeds, const mx::array& text_embeds, mx::StreamOrDevice s) const {
  const mx::Stream st = op_stream(s);
  return mx::multiply(mx::matmul(image_embeds, mx::transpose(text_embeds, st), st), mx::array(logit_scale_exp_), st);
}

}  // namespace robomlx::vision
