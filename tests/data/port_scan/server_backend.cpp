// Fixture: server bucket, Triton C APIs. Markers (`expect:`) are comments.
#include "triton/core/tritonserver.h"  // expect: server.triton-inproc
#include "triton/core/tritonbackend.h"  // expect: server.triton-inproc

TRITONSERVER_Error* init(TRITONBACKEND_Model* model) {  // expect: server.triton-inproc server.triton-backend
  TRITONSERVER_ServerOptions* options = nullptr;  // expect: server.triton-inproc
  triton::client::InferenceServerHttpClient* c = nullptr;  // expect: server.triton-client
  return nullptr;  // TRITONSERVER_ErrorNew in a comment is no finding
}
