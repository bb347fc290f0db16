// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/cuda_params_internal.h"

#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include <mlx/ops.h>

namespace robomlx::depth::detail {

namespace {

// Keyed by dtype tag + raw bytes. Leaked on purpose: arrays must not be destroyed after MLX's
// allocator at exit. Bounded: options change rarely, so a full cache is simply dropped (arrays
// still used by a graph stay alive through it).
mx::array cached(char tag, const void* data, std::size_t bytes, int n, mx::Dtype dtype) {
  static auto* cache = new std::map<std::string, mx::array>;
  static std::mutex mu;
  std::string key(1, tag);
  key.append(static_cast<const char*>(data), bytes);
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(key);
  if (it != cache->end()) return it->second;
  if (cache->size() >= 256) cache->clear();
  mx::array a = dtype == mx::float32 ? mx::array(static_cast<const float*>(data), {n}, dtype)
                : dtype == mx::int32   ? mx::array(static_cast<const std::int32_t*>(data), {n}, dtype)
                                       : mx::array(static_cast<const std::uint8_t*>(data), {n}, dtype);
  return cache->emplace(std::move(key), a).first->second;
}

}  // namespace

mx::array cached_floats(const std::vector<float>& values) {
  return cached('f', values.data(), values.size() * sizeof(float), int(values.size()), mx::float32);
}

mx::array cached_ints(const std::vector<std::int32_t>& values) {
  return cached('i', values.data(), values.size() * sizeof(std::int32_t), int(values.size()), mx::int32);
}

mx::array cached_bytes(const std::vector<std::uint8_t>& bytes) {
  return cached('b', bytes.data(), bytes.size(), int(bytes.size()), mx::uint8);
}

int float_bits(float v) {
  int b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

}  // namespace robomlx::depth::detail
