// SPDX-License-Identifier: Apache-2.0
// Model names -> factories. `robomlx serve --model NAME` and `--models DIR` look models up here;
// a model implementation registers itself from its own .cpp with a static
//   static const bool registered = register_model({"smollm2-135m-instruct", ModelKind::text, ...});
// so adding a model touches only its own files. Factories run on the inference thread (they
// create MLX arrays), never on an HTTP thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "robomlx/serve/text_model.h"

namespace robomlx::serve {

enum class ModelKind { text, embedding };

/// What a factory returns: one of the two set, matching the entry's kind.
struct LoadedModel {
  std::unique_ptr<TextModel> text;
  std::unique_ptr<EmbeddingModel> embedding;
};

/// `path` is the weights file or folder (empty when the model needs none, like `echo`).
using ModelFactory = std::function<LoadedModel(const std::string& path)>;

struct RegisteredModel {
  std::string name;
  ModelKind kind = ModelKind::text;
  std::string description;
  ModelFactory factory;
};

/// Which model to load and from where: `--model NAME` (path empty: the model finds its own
/// weights, e.g. in an installed package) or an entry of `--models DIR`.
struct ModelSource {
  std::string name;
  std::string path;
};

/// Adds (or replaces) an entry; returns true so it can initialise a static.
bool register_model(RegisteredModel model);
/// The entry, or nullptr.
const RegisteredModel* find_model(const std::string& name);
std::vector<std::string> registered_model_names();

/// `NAME` or `NAME=PATH`; throws std::invalid_argument naming the registered models when NAME is
/// not one of them.
ModelSource parse_model_source(const std::string& spec);
/// The entries of `dir` named after a registered model (a folder `NAME` or a file `NAME.<ext>`),
/// sorted by name; throws std::invalid_argument when `dir` is no folder or holds none.
std::vector<ModelSource> models_in_directory(const std::string& dir);

}  // namespace robomlx::serve
