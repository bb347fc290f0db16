// SPDX-License-Identifier: Apache-2.0
// KServe v2 infer request bodies (serve/kserve_protocol.h), what the network sends the server:
// JSON, or JSON followed by binary tensor data (Inference-Header-Content-Length). The first byte
// picks the pipeline and whether, and where, the JSON header ends; the rest is the body. Any body
// either parses or throws ApiError 400; never another exception, never UB.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "robomlx/serve/kserve_protocol.h"
#include "robomlx/serve/openai_api.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const char* models[] = {"depth.standard_chain", "stereo.sgm", "splat.render", "nope"};
  const std::string model = models[data[0] % 4];
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::optional<std::size_t> header;
  if (data[0] & 4) header = (data[0] & 8) ? body.size() + data[1] : std::size_t(data[1]) * 4;
  try {
    robomlx::serve::parse_infer_request(model, body, header);
  } catch (const robomlx::serve::ApiError& e) {
    if (e.status != 400 && e.status != 404) std::abort();
  }
  return 0;
}
