// SPDX-License-Identifier: Apache-2.0
// A BERT encoder as a sentence-embedding model (all-MiniLM-L6-v2 and kin), on MLX ops: the Hugging
// Face folder layout (model.safetensors via mx::load_safetensors, config.json, tokenizer.json), and
// sentence-transformers' pooling: the mean of the last hidden states over the real tokens ([CLS]
// and [SEP] included, padding excluded), then L2 normalisation.
//
// Texts are tokenized with [CLS] ... [SEP], cut to max_tokens (sentence_bert_config.json's
// max_seq_length, 256 for MiniLM; the cut keeps [SEP] last), padded to the longest in the batch;
// padding is masked out of attention and pooling. GELU is the exact (erf) form BERT uses.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <mlx/array.h>
#include <mlx/device.h>

#include "robomlx/serve/text_model.h"
#include "robomlx/serve/tokenizer_wordpiece.h"

namespace robomlx::serve {

struct BertOptions {
  std::string id;                    // ModelInfo::id; default: the folder name, lower case
  int max_tokens = 0;                // 0: sentence_bert_config.json's max_seq_length, else the model's positions
  std::optional<mx::Device> device;  // default: MLX's default device at load time
};

class BertEmbedding final : public EmbeddingModel {
 public:
  /// `folder` holds model.safetensors, config.json and tokenizer.json (or vocab.txt). Throws
  /// std::invalid_argument when something is missing or is not a BERT model.
  static std::unique_ptr<BertEmbedding> load(const std::string& folder, BertOptions options = {});
  ~BertEmbedding() override;

  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return *tokenizer_; }
  /// Throws std::invalid_argument for an empty list.
  mx::array embed(const std::vector<std::string>& texts, std::vector<int>* token_counts = nullptr) override;
  /// The embedding dimension.
  int dim() const { return dim_; }
  int max_tokens() const { return max_tokens_; }

 private:
  struct Weights;
  BertEmbedding() = default;

  ModelInfo info_;
  std::unique_ptr<WordPieceTokenizer> tokenizer_;
  std::unique_ptr<Weights> w_;
  int dim_ = 0, heads_ = 0, max_tokens_ = 0;
  float eps_ = 1e-12f;
  mx::Device device_ = mx::Device::cpu;
};

}  // namespace robomlx::serve
