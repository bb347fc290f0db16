# Fixture: server bucket, Triton client and Python backend. Markers (`expect:`) are comments.
import numpy as np
import tritonclient.http as httpclient  # expect: server.triton-client
from tritonclient.grpc import InferenceServerClient  # expect: server.triton-client
import triton_python_backend_utils as pb_utils  # expect: server.triton-backend
import tritonserver  # expect: server.triton-inproc


class TritonPythonModel:  # expect: server.triton-backend
    """A Triton Python backend model; tritonclient is mentioned here in prose."""

    def execute(self, requests):
        return [pb_utils.InferenceResponse(output_tensors=[]) for _ in requests]
