"""Saves an MLflow model into the folder given: an iris logistic regression fitted on a pandas
DataFrame with named columns and logged with its (column-based) signature, the usual case, for
which MLflow's scoring server refuses row lists and accepts only named-column forms."""

import sys

import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

features, species = load_iris(return_X_y=True, as_frame=True)
features.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
model = LogisticRegression(max_iter=1000).fit(features, species)
mlflow.sklearn.save_model(
    model,
    sys.argv[1],
    signature=infer_signature(features, model.predict(features)),
    # MLflow 3's default format (skops) needs a package of its own; cloudpickle is a dependency.
    serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
    # Named, so MLflow does not spend a minute inferring them in a subprocess; `--env-manager
    # local` never installs them anyway.
    pip_requirements=["scikit-learn"],
)
