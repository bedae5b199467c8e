"""Shared fixtures: small CSVs with a real signal, and recipes fitted once.

TensorFlow starts once per test session; recipes that several tests need are
fitted once per session (few epochs, a few hundred rows).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data")


def make_frame(task: str, rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """A table with numeric, missing and categorical cells and a target.

    The target depends on `x1` (10 % missing), `color` (a string, 5 %
    missing) and `x2`, so a model that learns beats the trivial baseline.
    """
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    x2 = rng.uniform(-1, 1, size=rows)
    color = rng.choice(["red", "green", "blue"], size=rows)
    signal = 2.0 * x1 + 1.5 * (color == "red") - x2
    frame = pd.DataFrame({"x1": x1, "x 2": x2, "color": color})
    frame.loc[rng.random(rows) < 0.10, "x1"] = np.nan
    frame.loc[rng.random(rows) < 0.05, "color"] = None
    if task == "regression":
        frame["y"] = signal + rng.normal(scale=0.1, size=rows)
    elif task == "binary":
        frame["y"] = np.where(signal > 0.5, "yes", "no")
    else:
        edges = np.quantile(signal, [1 / 3, 2 / 3])
        frame["y"] = np.array(["low", "mid", "high"])[
            np.searchsorted(edges, signal)
        ]
    return frame


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def csvs(tmp_path_factory):
    """train/test CSV paths per task: {task: (train, test)}."""
    folder = tmp_path_factory.mktemp("csv")
    paths = {}
    for task in ("regression", "binary", "multiclass"):
        train, test = folder / f"{task}_train.csv", folder / f"{task}_test.csv"
        make_frame(task, 400, seed=1).to_csv(train, index=False)
        make_frame(task, 150, seed=2).to_csv(test, index=False)
        paths[task] = (train, test)
    return paths


@pytest.fixture(scope="session")
def fitted(csvs):
    """One fitted recipe per task, trained once for the whole session."""
    from recipes import (
        BinaryClassification,
        MulticlassClassification,
        Regression,
    )

    classes = {
        "regression": Regression,
        "binary": BinaryClassification,
        "multiclass": MulticlassClassification,
    }
    return {
        task: classes[task](target="y", seed=0, epochs=40).fit(csvs[task][0])
        for task in classes
    }


@pytest.fixture(scope="session")
def exported(fitted, tmp_path_factory):
    """One SavedModel per task, exported from the fitted recipes."""
    folder = tmp_path_factory.mktemp("exported")
    return {task: r.export(folder / task) for task, r in fitted.items()}
