"""A checkpoint restored in a new process continues training exactly.

Each optimizer trains a small model N steps, is saved to a `.keras` file
(weights + optimizer slots + iteration count), and is loaded in a fresh
Python process (one subprocess for all six) that trains M more steps. The
result must equal M more steps in the original process. Restoring only
the weights, with a fresh optimizer, must not: the optimizer's statistics
are part of the training state.
"""

import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest

from custom_optimizers import (
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    Nesterov,
    RMSProp,
    StepDecay,
)

N_STEPS, M_STEPS = 12, 12
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
OPTIMIZERS = {
    # Plain SGD has no slots: its only state is the iteration count, which
    # a learning-rate schedule reads.
    "SGD": lambda: SGD(StepDecay(0.1, step_size=4, factor=0.5)),
    "Momentum": lambda: Momentum(0.05, momentum=0.8),
    "Nesterov": lambda: Nesterov(0.05, momentum=0.8),
    "AdaGrad": lambda: AdaGrad(0.1, epsilon=1e-3),
    "RMSProp": lambda: RMSProp(0.01, rho=0.8),
    "Adam": lambda: Adam(0.01, beta_1=0.8, beta_2=0.99),
}

RESUME_SCRIPT = """
import json, sys
import numpy as np
import keras
import custom_optimizers  # registers the classes for deserialization

directory, names, n, m = sys.argv[1], sys.argv[2].split(","), *map(
    int, sys.argv[3:5]
)
data = np.load(f"{directory}/data.npz")
out = {}
for name in names:
    model = keras.saving.load_model(f"{directory}/{name}.keras")
    out[f"{name}/class"] = np.array(type(model.optimizer).__name__)
    out[f"{name}/config"] = np.array(json.dumps(model.optimizer.get_config()))
    out[f"{name}/iterations"] = int(model.optimizer.iterations.numpy())
    for step in range(n, n + m):
        model.train_on_batch(data["x"][step], data["y"][step])
    for i, weight in enumerate(model.get_weights()):
        out[f"{name}/{i}"] = weight
np.savez(f"{directory}/resumed.npz", **out)
"""


def _model(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse", jit_compile=False)
    return model


def _train(model, x, y, steps):
    for step in steps:
        model.train_on_batch(x[step], y[step])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("resume")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_STEPS + M_STEPS, 16, 6)).astype("float32")
    y = np.stack([np.tanh(x[..., 0] * x[..., 1]), x[..., 2]], axis=-1)
    y = y.astype("float32")
    np.savez(directory / "data.npz", x=x, y=y)
    first, rest = range(N_STEPS), range(N_STEPS, N_STEPS + M_STEPS)

    results = {}
    for name, make in OPTIMIZERS.items():
        model = _model(make())
        _train(model, x, y, first)
        model.save(directory / f"{name}.keras")
        checkpoint = model.get_weights()
        config = model.optimizer.get_config()
        _train(model, x, y, rest)
        uninterrupted = model.get_weights()

        weights_only = _model(make())
        weights_only.set_weights(checkpoint)
        _train(weights_only, x, y, rest)
        results[name] = {
            "config": json.loads(json.dumps(config)),
            "uninterrupted": uninterrupted,
            "weights_only": weights_only.get_weights(),
        }

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]
        ),
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "KERAS_BACKEND": keras.backend.backend(),
    }
    command = [sys.executable, "-c", RESUME_SCRIPT, str(directory)]
    command += [",".join(OPTIMIZERS), str(N_STEPS), str(M_STEPS)]
    completed = subprocess.run(
        command,
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    resumed = np.load(directory / "resumed.npz")
    for name, result in results.items():
        n_weights = len(result["uninterrupted"])
        result["resumed"] = [resumed[f"{name}/{i}"] for i in range(n_weights)]
        result["resumed_class"] = str(resumed[f"{name}/class"])
        result["resumed_config"] = json.loads(str(resumed[f"{name}/config"]))
        result["resumed_iterations"] = int(resumed[f"{name}/iterations"])
    return results


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_resumed_in_new_process_equals_uninterrupted(runs, name):
    result = runs[name]
    assert result["resumed_class"] == name
    assert result["resumed_config"] == result["config"]
    assert result["resumed_iterations"] == N_STEPS
    for resumed, expected in zip(
        result["resumed"], result["uninterrupted"], strict=True
    ):
        np.testing.assert_allclose(resumed, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_restoring_weights_only_spoils_the_run(runs, name):
    result = runs[name]
    difference = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(
            result["weights_only"], result["uninterrupted"], strict=True
        )
    )
    assert difference > 1e-4
