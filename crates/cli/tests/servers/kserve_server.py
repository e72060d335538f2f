"""An iris logistic regression served by KServe's ModelServer under the name `iris-lr`, with the
V1 (`/v1/models/iris-lr:predict`) and V2 (Open Inference) protocols on one port, answering as
KServe's own sklearn server does (that server is not on PyPI). KServe binds 0.0.0.0 whatever it
is told: this binds 127.0.0.1, and turns gRPC off.

Run: python kserve_server.py PORT"""

import sys

from kserve import Model, ModelServer
from kserve.protocol.rest import server as rest_server
from kserve.utils.utils import get_predict_input, get_predict_response
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

# RESTServer hard-codes host="0.0.0.0" in its uvicorn config; the config is read when serving.
_init = rest_server.RESTServer.__init__


def _init_on_loopback(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.config.host = "127.0.0.1"


rest_server.RESTServer.__init__ = _init_on_loopback


class Iris(Model):
    def __init__(self):
        super().__init__("iris-lr")
        features, species = load_iris(return_X_y=True)
        self.model = LogisticRegression(max_iter=1000).fit(features, species)
        self.ready = True

    def predict(self, payload, headers=None):
        rows = get_predict_input(payload)
        return get_predict_response(payload, self.model.predict(rows), self.name)


if __name__ == "__main__":
    ModelServer(http_port=int(sys.argv[1]), enable_grpc=False).start([Iris()])
