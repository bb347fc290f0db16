// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/model_registry.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

namespace robomlx::serve {

namespace fs = std::filesystem;

namespace {

// Function-local statics: registrations run from other files' static initialisers, in any order.
std::map<std::string, RegisteredModel>& table() {
  static std::map<std::string, RegisteredModel> t;
  return t;
}
std::mutex& table_mutex() {
  static std::mutex m;
  return m;
}

std::string known_names() {
  std::string out;
  for (const auto& n : registered_model_names()) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

bool register_model(RegisteredModel model) {
  std::lock_guard<std::mutex> lock(table_mutex());
  std::string name = model.name;
  table()[name] = std::move(model);
  return true;
}

const RegisteredModel* find_model(const std::string& name) {
  std::lock_guard<std::mutex> lock(table_mutex());
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

std::vector<std::string> registered_model_names() {
  std::lock_guard<std::mutex> lock(table_mutex());
  std::vector<std::string> names;
  for (const auto& [name, m] : table()) names.push_back(name);
  return names;
}

ModelSource parse_model_source(const std::string& spec) {
  const auto eq = spec.find('=');
  ModelSource src{spec.substr(0, eq), eq == std::string::npos ? "" : spec.substr(eq + 1)};
  if (src.name.empty() || !find_model(src.name))
    throw std::invalid_argument("[serve] --model: unknown model '" + src.name + "' (registered: " + known_names() + ")");
  return src;
}

std::vector<ModelSource> models_in_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::invalid_argument("[serve] --models: '" + dir + "' is not a folder");
  std::vector<ModelSource> found;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path p = entry.path();
    const std::string name = entry.is_directory() ? p.filename().string() : p.stem().string();
    if (find_model(name)) found.push_back({name, p.string()});
  }
  if (found.empty())
    throw std::invalid_argument("[serve] --models: '" + dir + "' holds no model named after a registered one (" +
                                known_names() + ")");
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return found;
}

}  // namespace robomlx::serve
