// SPDX-License-Identifier: Apache-2.0
// The KServe v2 / Open Inference Protocol REST wire format, HTTP side (no MLX):
//   request  {"id", "parameters", "inputs": [{"name", "shape", "datatype", "data" | "parameters":
//            {"binary_data_size": N}}], "outputs": [{"name", "parameters": {"binary_data": bool}}]}
//   response {"model_name", "model_version", "id", "outputs": [{"name", "shape", "datatype",
//            "data" | "parameters": {"binary_data_size": N}}]}
// JSON "data" is row-major, flat or nested. The binary tensor data extension (Triton's): the
// header `Inference-Header-Content-Length: L` says the JSON is the first L bytes of the body and
// the tensors' raw little-endian bytes follow in input order. Outputs are binary when the
// request asks (per output `binary_data`, or request parameter `binary_data_output`); the reply
// then carries the same header. Errors are {"error": "<message>"}.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "robomlx/serve/inference_task.h"
#include "robomlx/serve/kserve_pipelines.h"

namespace robomlx::serve {

struct ParsedInfer {
  InferRequest request;
  std::set<std::string> binary_outputs;
  bool binary_all = false;
};

/// Throws ApiError 400 naming the field for anything malformed (shape vs data, datatype range,
/// binary sizes that do not add up to the body).
ParsedInfer parse_infer_request(const std::string& model, const std::string& body,
                                std::optional<std::size_t> header_length);

struct InferReply {
  std::string body;
  std::optional<std::size_t> header_length;  // set when binary outputs follow the JSON
};

InferReply format_infer_response(const InferResult& result, const ParsedInfer& request);

nlohmann::json model_metadata(const PipelineSpec& spec);
nlohmann::json kserve_error(const std::string& message);

}  // namespace robomlx::serve
