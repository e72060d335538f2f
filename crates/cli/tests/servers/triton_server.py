"""An iris logistic regression served by Triton (the CPU `tritonserver` in the nvidia-pytriton
wheel) as `iris-onnxish`, bound as an ONNX export of a scikit-learn model is: one FP32 input
`float_input` of 4 features, one INT64 output `label`. Triton refuses any other input name or
datatype. Every port on 127.0.0.1.

Run: python triton_server.py HTTP_PORT GRPC_PORT METRICS_PORT WORKSPACE
with LD_LIBRARY_PATH naming this Python's own LIBDIR: Triton's Python stub loads the first
libpython3.x it finds, and one from another patch release breaks on this one's standard
library."""

import sys

import numpy as np
from pytriton.decorators import batch
from pytriton.model_config import ModelConfig, Tensor
from pytriton.triton import Triton, TritonConfig
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

features, species = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=1000).fit(features, species)


@batch
def infer(float_input):
    # The tests' "error" case: a model that refuses what it cannot score, as a server error.
    if (float_input < 0).any():
        raise ValueError("a negative measurement cannot be scored")
    return {"label": model.predict(float_input).astype(np.int64).reshape(-1, 1)}


http_port, grpc_port, metrics_port = (int(p) for p in sys.argv[1:4])
workspace = sys.argv[4]  # the model store and the copied server, instead of ~/.cache
config = TritonConfig(
    http_address="127.0.0.1",
    http_port=http_port,
    grpc_address="127.0.0.1",
    grpc_port=grpc_port,
    metrics_address="127.0.0.1",
    metrics_port=metrics_port,
)
with Triton(config=config, workspace=workspace) as triton:
    triton.bind(
        model_name="iris-onnxish",
        infer_func=infer,
        inputs=[Tensor(name="float_input", dtype=np.float32, shape=(4,))],
        outputs=[Tensor(name="label", dtype=np.int64, shape=(1,))],
        config=ModelConfig(max_batch_size=8),
    )
    triton.serve()
