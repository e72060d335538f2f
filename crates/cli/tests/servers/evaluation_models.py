"""The notebook side of the endpoint-evaluation tests: trains scikit-learn models, writes the CSV
with a column of the notebook's offline predictions, and computes the reference metrics with
`sklearn.metrics` on the rows Assay evaluates.

    evaluation_models.py iris FOLDER        good/ and worse/ model.joblib (MLServer), iris.csv,
                                            and cancer/ model.joblib, cancer.csv (binary)
    evaluation_models.py diabetes FOLDER    model/ (an MLflow model), diabetes.csv
    evaluation_models.py reference FOLDER DATASET ROWS OUT
        ROWS is a JSON list of data-row indices; OUT gets the metrics by model and answer kind.

Every number goes into the CSV as Python's repr, which Rust reads back to the same float64."""

import json
import os
import sys

import joblib
import numpy as np
from sklearn import metrics
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CANCER_FEATURES = [f"f{i}" for i in range(30)]


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join(header) + "\n")
        for row in rows:
            out.write(",".join(repr(v) for v in row) + "\n")


def iris(folder):
    features, species = load_iris(return_X_y=True)
    good = LogisticRegression(max_iter=1000).fit(features, species)
    # Deliberately worse: so strongly regularised that it misses about one flower in six.
    worse = LogisticRegression(C=0.005, max_iter=1000).fit(features, species)
    for name, model in [("good", good), ("worse", worse)]:
        os.makedirs(f"{folder}/{name}", exist_ok=True)
        joblib.dump(model, f"{folder}/{name}/model.joblib")
    notebook = good.predict(features)
    write_csv(
        f"{folder}/iris.csv",
        IRIS_FEATURES + ["species", "notebook_prediction"],
        [
            [float(v) for v in x] + [int(t), int(p)]
            for x, t, p in zip(features, species, notebook)
        ],
    )


def cancer(folder):
    features, diagnosis = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(features, diagnosis)
    os.makedirs(f"{folder}/cancer", exist_ok=True)
    joblib.dump(model, f"{folder}/cancer/model.joblib")
    notebook = model.predict(features)
    write_csv(
        f"{folder}/cancer.csv",
        CANCER_FEATURES + ["diagnosis", "notebook_prediction"],
        [
            [float(v) for v in x] + [int(t), int(p)]
            for x, t, p in zip(features, diagnosis, notebook)
        ],
    )


def diabetes(folder):
    import mlflow.sklearn
    from mlflow.models import infer_signature

    frame, progression = load_diabetes(return_X_y=True, as_frame=True)
    model = LinearRegression().fit(frame, progression)
    mlflow.sklearn.save_model(
        model,
        f"{folder}/model",
        signature=infer_signature(frame, model.predict(frame)),
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
        pip_requirements=["scikit-learn"],
    )
    joblib.dump(model, f"{folder}/model.joblib")
    notebook = model.predict(frame)
    write_csv(
        f"{folder}/diabetes.csv",
        list(frame.columns) + ["progression", "notebook_prediction"],
        [
            [float(v) for v in x] + [float(t), float(p)]
            for x, t, p in zip(frame.to_numpy(), progression, notebook)
        ],
    )


def classification(truth, predicted, probabilities=None):
    found = {
        "accuracy": metrics.accuracy_score(truth, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(truth, predicted),
        "macro_f1": metrics.f1_score(truth, predicted, average="macro", zero_division=0),
        "macro_precision": metrics.precision_score(
            truth, predicted, average="macro", zero_division=0
        ),
        "macro_recall": metrics.recall_score(
            truth, predicted, average="macro", zero_division=0
        ),
    }
    if probabilities is not None:
        found["log_loss"] = metrics.log_loss(
            truth, probabilities, labels=list(range(probabilities.shape[1]))
        )
    return found


def reference(folder, dataset, rows, out):
    if dataset == "iris":
        features, truth = load_iris(return_X_y=True)
        features, truth = features[rows], truth[rows]
        found = {}
        for name in ["good", "worse"]:
            model = joblib.load(f"{folder}/{name}/model.joblib")
            probabilities = model.predict_proba(features)
            found[name] = {
                "labels": classification(truth, model.predict(features)),
                # The endpoint answers probabilities; its label is their argmax.
                "probabilities": classification(
                    truth, probabilities.argmax(axis=1), probabilities
                ),
            }
    elif dataset == "cancer":
        features, truth = load_breast_cancer(return_X_y=True)
        features, truth = features[rows], truth[rows]
        model = joblib.load(f"{folder}/cancer/model.joblib")
        probabilities = model.predict_proba(features)
        found = classification(truth, probabilities.argmax(axis=1), probabilities)
        found["roc_auc"] = metrics.roc_auc_score(truth, probabilities[:, 1])
        found = {"probabilities": found}
    else:
        frame, truth = load_diabetes(return_X_y=True, as_frame=True)
        features, truth = frame.iloc[rows], truth.to_numpy()[rows]
        predicted = joblib.load(f"{folder}/model.joblib").predict(features)
        found = {
            "numbers": {
                "rmse": metrics.root_mean_squared_error(truth, predicted),
                "mse": metrics.mean_squared_error(truth, predicted),
                "mae": metrics.mean_absolute_error(truth, predicted),
                "r2": metrics.r2_score(truth, predicted),
            }
        }
    with open(out, "w", encoding="utf-8") as file:
        json.dump(found, file)


if __name__ == "__main__":
    command, folder = sys.argv[1], sys.argv[2]
    if command == "iris":
        iris(folder)
        cancer(folder)
    elif command == "diabetes":
        diabetes(folder)
    else:
        reference(folder, sys.argv[3], np.array(json.loads(sys.argv[4]), dtype=int), sys.argv[5])
