"""The criterion `train` group's training, written in numpy as its users batch it.

`cargo xtask bench` runs this beside the engine's benchmarks so the README can say how Assay's
training compares with numpy doing literally the same work: the same CSV, features and target
encoded as `Dataset::from_table` does (every other column a feature, standardised to zero mean
and unit population variance; classes in Assay's label order), the same models, losses and
gradients (`crates/engine/src/model.rs`), mini-batch SGD or Adam (`optim.rs`) with batch 32, a
shuffle at the start of every epoch, and the mean training loss over all rows before training
and after each epoch, as `train.rs` records it. Only the random numbers differ (numpy's
generator, not Assay's), which changes no work.

BLAS runs on one thread, as Assay does, so the figures compare one core with one core.
Prints one JSON object: per model, rows x epochs per CPU second (`time.process_time`, median
over many runs). Before timing, every model's gradient is checked against finite differences,
so a wrong formula fails the benchmark instead of timing something else.
"""

import os

# Before numpy loads its BLAS: one thread, like Assay.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 0.1
SEED = 42

# name: (hidden layer sizes, activation, head, optimiser); the criterion `train` group's models.
MODELS = {
    "logistic_regression": ((), "relu", "sigmoid", "sgd"),
    "softmax_regression": ((), "relu", "softmax", "sgd"),
    "mlp_relu_32_adam": ((32,), "relu", "sigmoid", "adam"),
    "mlp_tanh_32_16": ((32, 16), "tanh", "sigmoid", "sgd"),
}


def label_key(label):
    """Assay's label order: finite numbers first, by value, then text."""
    try:
        value = float(label)
    except ValueError:
        return (1, 0.0, label)
    return (0, value, label) if math.isfinite(value) else (1, 0.0, label)


def load(path, target):
    """Standardised features and class numbers, as `Dataset::from_table` makes them."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    column = header.index(target)
    features = np.array(
        [[float(cell) for c, cell in enumerate(row) if c != column] for row in body]
    )
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0.0] = 1.0
    features = (features - mean) / scale
    classes = sorted({row[column] for row in body}, key=label_key)
    number = {label: k for k, label in enumerate(classes)}
    target_values = np.array([number[row[column]] for row in body], dtype=np.int64)
    return np.ascontiguousarray(features), target_values, len(classes)


class Network:
    """Layers `(W[out][in], b[out])`; hidden activation; a sigmoid or softmax head."""

    def __init__(self, inputs, classes, hidden, activation, head):
        self.activation = activation
        self.head = head
        outputs = classes if head == "softmax" else 1
        self.shapes = []
        fan_in = inputs
        for units in (*hidden, outputs):
            self.shapes.append((units, fan_in))
            fan_in = units

    def init(self, rng):
        """Linear models start at N(0, 0.01^2); hidden layers at N(0, gain / fan_in)."""
        linear = len(self.shapes) == 1
        gain = 2.0 if self.activation == "relu" else 1.0
        params = []
        for units, fan_in in self.shapes:
            scale = 0.01 if linear else math.sqrt(gain / fan_in)
            params.append([scale * rng.standard_normal((units, fan_in)), np.zeros(units)])
        return params

    def forward(self, params, x):
        """Each layer's output for the batch `x`; the last is the scores."""
        outputs = []
        a = x
        for l, (w, b) in enumerate(params):
            z = a @ w.T + b
            if l + 1 < len(params):
                z = np.maximum(z, 0.0) if self.activation == "relu" else np.tanh(z)
            outputs.append(z)
            a = z
        return outputs

    def loss(self, params, x, y):
        """Mean loss over the rows (softplus(z) - y z, or logsumexp(z) - z_y)."""
        scores = self.forward(params, x)[-1]
        if self.head == "sigmoid":
            z = scores[:, 0]
            losses = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z
        else:
            top = scores.max(axis=1, keepdims=True)
            logsumexp = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
            losses = logsumexp - scores[np.arange(len(y)), y]
        return losses.mean()

    def gradient(self, params, x, y):
        """The mean gradient over the rows of `x`, layer by layer as `[dW, db]`."""
        outputs = self.forward(params, x)
        scores = outputs[-1]
        if self.head == "sigmoid":
            delta = 1.0 / (1.0 + np.exp(-scores)) - y[:, None]
        else:
            exps = np.exp(scores - scores.max(axis=1, keepdims=True))
            delta = exps / exps.sum(axis=1, keepdims=True)
            delta[np.arange(len(y)), y] -= 1.0
        n = len(y)
        grads = [None] * len(params)
        for l in range(len(params) - 1, -1, -1):
            inputs = x if l == 0 else outputs[l - 1]
            grads[l] = [delta.T @ inputs / n, delta.sum(axis=0) / n]
            if l > 0:
                a = outputs[l - 1]
                slope = (a > 0.0) if self.activation == "relu" else 1.0 - a * a
                delta = (delta @ params[l][0]) * slope
        return grads


class Sgd:
    def __init__(self, params):
        pass

    def step(self, params, grads, rate):
        for layer, layer_grads in zip(params, grads):
            for p, g in zip(layer, layer_grads):
                p -= rate * g


class Adam:
    """Adam with beta1 0.9, beta2 0.999, epsilon 1e-8 and running powers, as `optim.rs`."""

    def __init__(self, params, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.first = [[np.zeros_like(p) for p in layer] for layer in params]
        self.second = [[np.zeros_like(p) for p in layer] for layer in params]
        self.beta1_power = 1.0
        self.beta2_power = 1.0

    def step(self, params, grads, rate):
        self.beta1_power *= self.beta1
        self.beta2_power *= self.beta2
        c1, c2 = 1.0 - self.beta1_power, 1.0 - self.beta2_power
        for layer, layer_grads, ms, vs in zip(params, grads, self.first, self.second):
            for p, g, m, v in zip(layer, layer_grads, ms, vs):
                m *= self.beta1
                m += (1.0 - self.beta1) * g
                v *= self.beta2
                v += (1.0 - self.beta2) * g * g
                p -= rate * (m / c1) / (np.sqrt(v / c2) + self.epsilon)


def build(name, x, classes):
    hidden, activation, head, optimizer = MODELS[name]
    network = Network(x.shape[1], classes, hidden, activation, head)
    return network, (Adam if optimizer == "adam" else Sgd)


def train(name, x, y, classes):
    """One training run, as `train::train` does it; returns the loss curve."""
    network, optimizer_type = build(name, x, classes)
    rng = np.random.default_rng(SEED)
    params = network.init(rng)
    optimizer = optimizer_type(params)
    curve = [network.loss(params, x, y)]
    for _ in range(EPOCHS):
        order = rng.permutation(len(y))
        for start in range(0, len(y), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            grads = network.gradient(params, x[batch], y[batch])
            optimizer.step(params, grads, LEARNING_RATE)
        loss = network.loss(params, x, y)
        curve.append(loss)
        if not math.isfinite(loss) or not all(np.isfinite(p).all() for layer in params for p in layer):
            break
    return curve


def check_gradient(name, x, y, classes):
    """Fails unless the analytic gradient matches central differences on a few rows."""
    network, _ = build(name, x, classes)
    params = network.init(np.random.default_rng(SEED))
    rows = slice(0, 8)
    grads = network.gradient(params, x[rows], y[rows])
    step = 1e-6
    for l, layer in enumerate(params):
        for k, p in enumerate(layer):
            flat, flat_grad = p.reshape(-1), grads[l][k].reshape(-1)
            for i in range(0, flat.size, max(1, flat.size // 5)):
                saved = flat[i]
                flat[i] = saved + step
                above = network.loss(params, x[rows], y[rows])
                flat[i] = saved - step
                below = network.loss(params, x[rows], y[rows])
                flat[i] = saved
                numeric = (above - below) / (2 * step)
                if abs(numeric - flat_grad[i]) > 1e-6 * max(1.0, abs(numeric)):
                    sys.exit(
                        f"{name}: gradient of layer {l} {'weights' if k == 0 else 'biases'}[{i}] "
                        f"is {flat_grad[i]}, finite differences say {numeric}"
                    )


def measure(name, x, y, classes, seconds):
    """Median CPU seconds of one training run, over as many runs as fit in `seconds` (at least 5)."""
    train(name, x, y, classes)  # warm-up
    times = []
    curve = []
    started = time.process_time()
    while len(times) < 5 or time.process_time() - started < seconds:
        before = time.process_time()
        curve = train(name, x, y, classes)
        times.append(time.process_time() - before)
    median = statistics.median(times)
    return {
        "rows_epochs_per_cpu_second": len(y) * EPOCHS / median,
        "median_cpu_seconds": median,
        "runs": len(times),
        "epochs_trained": len(curve) - 1,
        "final_loss": curve[-1],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="public/samples/breast_cancer.csv")
    parser.add_argument("--target", default="diagnosis")
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per model")
    args = parser.parse_args()
    x, y, classes = load(args.csv, args.target)
    for name in MODELS:
        check_gradient(name, x, y, classes)
    models = {name: measure(name, x, y, classes, args.seconds) for name in MODELS}
    print(
        json.dumps(
            {
                "numpy": np.__version__,
                "rows": len(y),
                "epochs": EPOCHS,
                "batch_size": BATCH_SIZE,
                "models": models,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
