"""An iris logistic regression as a BentoML 1.4 service: `POST /classify` with
`{"input_data": [[...]]}` answers a bare list of labels; `/readyz` says when it is ready.

Run: bentoml serve bentoml_service:IrisClassifier --working-dir DIR --host 127.0.0.1 --port PORT"""

import bentoml
import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


@bentoml.service
class IrisClassifier:
    def __init__(self) -> None:
        features, species = load_iris(return_X_y=True)
        self.model = LogisticRegression(max_iter=1000).fit(features, species)

    @bentoml.api
    def classify(self, input_data: np.ndarray) -> np.ndarray:
        return self.model.predict(input_data)
