// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/kserve_protocol.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "robomlx/serve/openai_api.h"

namespace robomlx::serve {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxElements = std::size_t(1) << 28;

std::size_t element_size(const std::string& dt) {
  if (dt == "BOOL" || dt == "UINT8" || dt == "INT8") return 1;
  if (dt == "UINT16" || dt == "INT16") return 2;
  if (dt == "UINT32" || dt == "INT32" || dt == "FP32") return 4;
  if (dt == "UINT64" || dt == "INT64" || dt == "FP64") return 8;
  return 0;  // FP16, BF16, BYTES: not taken by any pipeline here
}

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

// Appends one JSON element as `dt`'s little-endian bytes, range-checked.
void append_element(std::string& out, const json& v, const std::string& dt, const std::string& where) {
  auto fail = [&] { throw bad_request(where + ": element " + v.dump() + " is not a valid " + dt, where); };
  if (dt == "BOOL") {
    if (!v.is_boolean()) fail();
    out += v.get<bool>() ? '\1' : '\0';
    return;
  }
  if (dt == "FP32" || dt == "FP64") {
    if (!v.is_number()) fail();
    const double d = v.get<double>();
    dt == "FP32" ? put(out, static_cast<float>(d)) : put(out, d);
    return;
  }
  if (!v.is_number_integer()) fail();
  const bool is_unsigned = dt[0] == 'U';
  const std::size_t bits = element_size(dt) * 8;
  if (is_unsigned) {
    if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) fail();
    const std::uint64_t u = v.get<std::uint64_t>();
    if (bits < 64 && u >= (std::uint64_t(1) << bits)) fail();
    if (bits == 8) put(out, static_cast<std::uint8_t>(u));
    else if (bits == 16) put(out, static_cast<std::uint16_t>(u));
    else if (bits == 32) put(out, static_cast<std::uint32_t>(u));
    else put(out, u);
  } else {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) fail();
    const std::int64_t i = v.get<std::int64_t>();
    if (bits < 64 && (i < -(std::int64_t(1) << (bits - 1)) || i >= (std::int64_t(1) << (bits - 1)))) fail();
    if (bits == 8) put(out, static_cast<std::int8_t>(i));
    else if (bits == 16) put(out, static_cast<std::int16_t>(i));
    else if (bits == 32) put(out, static_cast<std::int32_t>(i));
    else put(out, i);
  }
}

void flatten(const json& data, const std::string& dt, const std::string& where, std::string& out, std::size_t limit) {
  if (data.is_array()) {
    for (const auto& v : data) {
      flatten(v, dt, where, out, limit);
      if (out.size() > limit) throw bad_request(where + ": more elements than the shape holds", where);
    }
  } else {
    append_element(out, data, dt, where);
  }
}

json element_json(const char* p, const std::string& dt) {
  auto get = [&](auto v) {
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  if (dt == "UINT8") return get(std::uint8_t{});
  if (dt == "UINT16") return get(std::uint16_t{});
  if (dt == "INT32") return get(std::int32_t{});
  if (dt == "FP32") {
    const float f = get(float{});
    return std::isfinite(f) ? json(f) : json(nullptr);  // JSON has no NaN or infinity
  }
  return get(std::uint8_t{}) != 0;
}

ParamValue param_value(const json& v, const std::string& where) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  throw bad_request(where + " must be a boolean, number or string", where);
}

}  // namespace

ParsedInfer parse_infer_request(const std::string& model, const std::string& body,
                                std::optional<std::size_t> header_length) {
  if (header_length && *header_length > body.size())
    throw bad_request("Inference-Header-Content-Length is " + std::to_string(*header_length) + " but the body has " +
                      std::to_string(body.size()) + " bytes");
  const std::size_t json_len = header_length.value_or(body.size());
  const json j = parse_body(body.substr(0, json_len));
  std::size_t binary_at = json_len;

  ParsedInfer out;
  InferRequest& r = out.request;
  r.model = model;
  for (const auto& [key, v] : j.items())
    if (key != "id" && key != "parameters" && key != "inputs" && key != "outputs")
      throw bad_request("unknown field '" + key + "'", key);
  if (j.contains("id")) {
    if (!j["id"].is_string()) throw bad_request("'id' must be a string", "id");
    r.id = j["id"].get<std::string>();
  }
  if (j.contains("parameters")) {
    if (!j["parameters"].is_object()) throw bad_request("'parameters' must be an object", "parameters");
    for (const auto& [key, v] : j["parameters"].items()) {
      if (key == "binary_data_output") {
        if (!v.is_boolean()) throw bad_request("'parameters.binary_data_output' must be a boolean");
        out.binary_all = v.get<bool>();
      } else {
        r.parameters[key] = param_value(v, "parameters." + key);
      }
    }
  }
  if (!j.contains("inputs") || !j["inputs"].is_array()) throw bad_request("'inputs' must be an array", "inputs");
  for (std::size_t i = 0; i < j["inputs"].size(); ++i) {
    const json& in = j["inputs"][i];
    const std::string where = "inputs[" + std::to_string(i) + "]";
    if (!in.is_object() || !in.contains("name") || !in["name"].is_string() || !in.contains("datatype") ||
        !in["datatype"].is_string() || !in.contains("shape") || !in["shape"].is_array())
      throw bad_request(where + " needs 'name' (string), 'datatype' (string) and 'shape' (array)", where);
    Tensor t{in["name"].get<std::string>(), in["datatype"].get<std::string>(), {}, {}};
    const std::size_t esize = element_size(t.datatype);
    if (esize == 0) throw bad_request(where + ": datatype '" + t.datatype + "' is not supported", where + ".datatype");
    std::size_t count = 1;
    for (const auto& d : in["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
        throw bad_request(where + ".shape must hold integers >= 0", where + ".shape");
      t.shape.push_back(d.get<std::int64_t>());
      if (t.shape.back() > 0 && count > kMaxElements / static_cast<std::size_t>(t.shape.back()))
        throw bad_request(where + ": shape has more than 2^28 elements", where + ".shape");
      count *= static_cast<std::size_t>(t.shape.back());
    }
    const std::size_t nbytes = count * esize;
    std::optional<std::size_t> binary_size;
    if (in.contains("parameters")) {
      const json& p = in["parameters"];
      if (!p.is_object()) throw bad_request(where + ".parameters must be an object", where + ".parameters");
      if (p.contains("binary_data_size")) {
        if (!p["binary_data_size"].is_number_unsigned())
          throw bad_request(where + ".parameters.binary_data_size must be an integer >= 0");
        binary_size = p["binary_data_size"].get<std::size_t>();
      }
    }
    if (binary_size) {
      if (in.contains("data")) throw bad_request(where + " has both 'data' and binary_data_size", where);
      if (!header_length) throw bad_request(where + ": binary data needs the Inference-Header-Content-Length header");
      if (*binary_size != nbytes || binary_at + nbytes > body.size())
        throw bad_request(where + ": binary_data_size " + std::to_string(*binary_size) + " does not match its shape (" +
                          std::to_string(nbytes) + " bytes) or the bytes left in the body");
      t.bytes = body.substr(binary_at, nbytes);
      binary_at += nbytes;
    } else {
      if (!in.contains("data")) throw bad_request(where + " has no 'data'", where + ".data");
      t.bytes.reserve(nbytes);
      flatten(in["data"], t.datatype, where + ".data", t.bytes, nbytes);
      if (t.bytes.size() != nbytes)
        throw bad_request(where + ".data has " + std::to_string(t.bytes.size() / esize) + " elements, its shape needs " +
                          std::to_string(count), where + ".data");
    }
    r.inputs.push_back(std::move(t));
  }
  if (binary_at != body.size())
    throw bad_request("the body has " + std::to_string(body.size() - binary_at) + " bytes past the tensors it declares");
  if (j.contains("outputs")) {
    if (!j["outputs"].is_array()) throw bad_request("'outputs' must be an array", "outputs");
    for (const auto& o : j["outputs"]) {
      if (!o.is_object() || !o.contains("name") || !o["name"].is_string())
        throw bad_request("'outputs' entries need a 'name' string", "outputs");
      r.outputs.push_back(o["name"].get<std::string>());
      if (!o.contains("parameters")) continue;
      const auto& p = o["parameters"];
      if (!p.is_object() || (p.contains("binary_data") && !p["binary_data"].is_boolean()))
        throw bad_request("'outputs' parameters must be an object whose 'binary_data' is a boolean", "outputs");
      if (p.value("binary_data", false)) out.binary_outputs.insert(r.outputs.back());
    }
  }
  return out;
}

InferReply format_infer_response(const InferResult& result, const ParsedInfer& request) {
  json outputs = json::array();
  std::string binary;
  for (const auto& t : result.outputs) {
    json o = {{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}};
    if (request.binary_all || request.binary_outputs.count(t.name)) {
      o["parameters"] = {{"binary_data_size", t.bytes.size()}};
      binary += t.bytes;
    } else {
      const std::size_t esize = element_size(t.datatype);
      json data = json::array();
      for (std::size_t i = 0; i + esize <= t.bytes.size(); i += esize) data.push_back(element_json(t.bytes.data() + i, t.datatype));
      o["data"] = std::move(data);
    }
    outputs.push_back(std::move(o));
  }
  json j = {{"model_name", result.model}, {"model_version", "1"}, {"outputs", outputs}};
  if (!result.id.empty()) j["id"] = result.id;
  InferReply reply;
  reply.body = dump(j);
  if (!binary.empty() || request.binary_all || !request.binary_outputs.empty()) {
    reply.header_length = reply.body.size();
    reply.body += binary;
  }
  return reply;
}

nlohmann::json model_metadata(const PipelineSpec& spec) {
  auto tensors = [](const std::vector<TensorSpec>& ts) {
    json a = json::array();
    for (const auto& t : ts) a.push_back({{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}});
    return a;
  };
  return {{"name", spec.name},
          {"versions", {"1"}},
          {"platform", "robomlx"},
          {"inputs", tensors(spec.inputs)},
          {"outputs", tensors(spec.outputs)}};
}

nlohmann::json kserve_error(const std::string& message) { return {{"error", message}}; }

}  // namespace robomlx::serve
