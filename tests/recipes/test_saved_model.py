"""The SavedModel contract, checked the way a serving system sees it."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from recipes.preprocessing import to_inputs

OUTPUTS = {
    "regression": {"prediction": (tf.float32, [None])},
    "binary": {
        "probability": (tf.float32, [None]),
        "class": (tf.string, [None]),
    },
    "multiclass": {
        "probabilities": (tf.float32, [None, 3]),
        "class": (tf.string, [None]),
    },
}

# Runs in a fresh interpreter that must not import keras-recipes: any attempt
# to import one of the project's packages fails loudly.
SERVER = r"""
import json, sys
import importlib.abc
class Forbid(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"recipes", "custom_layers",
                                  "custom_optimizers", "tuning"}:
            raise ImportError("the project must not be imported: " + name)
sys.meta_path.insert(0, Forbid())
import numpy as np
import tensorflow as tf
requests = json.load(sys.stdin)
answers = {}
for path, inputs in requests.items():
    serve = tf.saved_model.load(path).signatures["serving_default"]
    tensors = {k: tf.constant(v, tf.float32 if isinstance(v[0], float)
                              else tf.string) for k, v in inputs.items()}
    answers[path] = {k: v.numpy().tolist() for k, v in serve(**tensors).items()}
assert not any(m.split(".")[0] == "recipes" for m in sys.modules)
json.dump(answers, sys.stdout, default=lambda b: b.decode())
"""


@pytest.mark.parametrize("task", list(OUTPUTS))
def test_serving_signature_names_dtypes_and_shapes(task, exported):
    loaded = tf.saved_model.load(str(exported[task]))
    assert list(loaded.signatures) == ["serving_default"]
    signature = loaded.signatures["serving_default"]
    args, kwargs = signature.structured_input_signature
    assert args == ()
    assert {k: (v.dtype, v.shape.as_list()) for k, v in kwargs.items()} == {
        "x1": (tf.float32, [None]),
        "x_2": (tf.float32, [None]),  # "x 2" in the CSV
        "color": (tf.string, [None]),
    }
    outputs = {
        k: (v.dtype, v.shape.as_list())
        for k, v in signature.structured_outputs.items()
    }
    assert outputs == OUTPUTS[task]


@pytest.mark.parametrize("task", list(OUTPUTS))
def test_schema_json_describes_columns_and_classes(task, exported):
    schema = json.loads((exported[task] / "assets" / "schema.json").read_text())
    assert schema["task"] == task
    assert schema["target"] == "y"
    assert [
        (c["name"], c["serving_name"], c["kind"]) for c in schema["columns"]
    ] == [
        ("x1", "x1", "numeric"),
        ("x 2", "x_2", "numeric"),
        ("color", "color", "categorical"),
    ]
    expected = {
        "regression": None,
        "binary": ["no", "yes"],
        "multiclass": ["high", "low", "mid"],
    }[task]
    assert schema["class_names"] == expected


def test_savedmodel_in_a_process_without_the_project(fitted, exported, csvs):
    requests, expected = {}, {}
    for task, path in exported.items():
        frame = pd.read_csv(csvs[task][1]).head(40)
        frame.loc[0, "color"] = "never-seen"
        inputs = to_inputs(frame, fitted[task].schema_)
        # Python's json writes and reads NaN: missing numbers stay NaN.
        requests[str(path)] = {k: v.tolist() for k, v in inputs.items()}
        expected[str(path)] = (task, fitted[task].predict(frame))
    done = subprocess.run(
        [sys.executable, "-c", SERVER],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers = json.loads(done.stdout)
    for path, (task, frame) in expected.items():
        answer = answers[path]
        if task == "regression":
            np.testing.assert_allclose(
                answer["prediction"], frame["prediction"], rtol=1e-5, atol=1e-5
            )
            continue
        probability_columns = [
            c for c in frame.columns if c.startswith("proba_")
        ]
        probabilities = frame[probability_columns].to_numpy()
        if task == "binary":
            np.testing.assert_allclose(
                answer["probability"], probabilities[:, 1], atol=1e-5
            )
        else:
            np.testing.assert_allclose(
                answer["probabilities"], probabilities, atol=1e-5
            )
        assert answer["class"] == [str(c) for c in frame["class"]]


EMBEDDED = {
    "numeric_embedding": "periodic",
    "categorical_embedding": True,
    "label_smoothing": 0.1,
}


def _serve(path, frame, schema):
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    inputs = to_inputs(frame, schema)
    return {k: v.numpy() for k, v in serve(**inputs).items()}


@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_embedded_ensemble_serves_like_predict(task, csvs, tmp_path):
    """Embeddings, quantile scaling and a 2-network ensemble export whole;
    a regression answers in the target's own units (here ~ 50,000)."""
    from recipes import MulticlassClassification, Regression

    train, test = (pd.read_csv(path) for path in csvs[task])
    if task == "regression":
        train["y"], test["y"] = 5e4 + 1e3 * train["y"], 5e4 + 1e3 * test["y"]
    recipe = {"regression": Regression, "multiclass": MulticlassClassification}[
        task
    ](
        target="y",
        epochs=60,
        ensemble=2,
        normalization="quantile",
        hyperparameters=EMBEDDED,
    ).fit(train)
    names = {layer.name for layer in recipe.model_._flatten_layers()}
    assert {"numeric_embedding", "categorical_embedding"} <= names
    answer = _serve(recipe.export(tmp_path / task), test, recipe.schema_)
    predicted = recipe.predict(test)
    if task == "multiclass":
        probabilities = predicted.filter(like="proba_").to_numpy()
        np.testing.assert_allclose(
            answer["probabilities"], probabilities, atol=1e-5
        )
        assert (predicted["class"] == test["y"]).mean() > 0.7
        return
    np.testing.assert_allclose(
        answer["prediction"], predicted["prediction"], rtol=1e-5
    )
    # in original units: scaled (x 1000) and shifted (+ 50,000) back
    error = np.sqrt(np.mean((answer["prediction"] - test["y"]) ** 2))
    assert error < 0.5 * test["y"].std()
    assert abs(answer["prediction"].mean() - test["y"].mean()) < 300


def test_timestamps_serve_as_the_csv_spells_them(tmp_path):
    # pyarrow parses ISO-8601 timestamps; trained on the parsed values, the
    # model would see "2020-01-01 10:00:00" while a client sends the CSV's
    # own "2020-01-01T10:00:00" (issue 20, item 3).
    from recipes import BinaryClassification

    rng = np.random.default_rng(0)
    stamps = [
        "2020-01-01T10:00:00",
        "2020-01-02T11:30:00",
        "2020-01-03T09:15:00",
    ]
    when = rng.choice(stamps, 240)
    frame = pd.DataFrame(
        {
            "when": when,
            "day": [s[:10] for s in when],  # plain dates, too
            "x": rng.normal(size=240),
            "y": np.where(when == stamps[0], "yes", "no"),
        }
    )
    path = tmp_path / "stamps.csv"
    frame.to_csv(path, index=False)
    recipe = BinaryClassification(
        target="y", epochs=30, ensemble=1, hyperparameters={"units": 16}
    ).fit(path)
    raw = pd.read_csv(path, dtype=str).drop(columns="y")  # the text itself
    raw["x"] = raw["x"].astype(float)
    answer = _serve(recipe.export(tmp_path / "model"), raw, recipe.schema_)
    predicted = recipe.predict(path)
    np.testing.assert_allclose(
        answer["probability"], predicted["proba_yes"], atol=1e-5
    )
    assert (predicted["class"] == frame["y"]).mean() > 0.95


def test_a_log_transformed_target_is_inverted_in_the_saved_model(tmp_path):
    """A skewed price-like target trains on log1p; the SavedModel answers
    in the target's units, as `predict` does."""
    from recipes import Regression
    from recipes.targets import TargetScale

    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    frame = pd.DataFrame(
        {"x": x, "y": np.exp(1.5 * x + rng.normal(0, 0.1, size=400))}
    )
    recipe = Regression(
        target="y", epochs=40, ensemble=1, hyperparameters={"units": 16}
    ).fit(frame)  # "auto": the target's skewness is far above 2
    layer = recipe.model_.get_layer("target_scale")
    assert layer.log
    expected = TargetScale.fit(frame["y"].to_numpy(), "log1p")
    # fitted on the training split (85 % of the rows), not on all of them
    assert layer.mean == pytest.approx(expected.mean, abs=0.1 * expected.std)
    answer = _serve(recipe.export(tmp_path / "model"), frame, recipe.schema_)
    predicted = recipe.predict(frame)["prediction"].to_numpy()
    np.testing.assert_allclose(answer["prediction"], predicted, rtol=1e-5)
    assert predicted.min() >= 0
    # in the target's units: close to it, not to its logarithm
    relative = np.abs(predicted - frame["y"]) / frame["y"]
    assert np.median(relative) < 0.25
    untransformed = Regression(
        target="y", target_transform="none", epochs=1, ensemble=1
    )
    assert not untransformed.fit(frame).model_.get_layer("target_scale").log


def test_date_features_serve_from_the_csv_text(tmp_path):
    """A weekend flag learned from ISO dates generalizes to days never seen
    in training (a category could not), and the SavedModel fed the CSV's
    text answers as `predict` does."""
    from recipes import BinaryClassification

    rng = np.random.default_rng(0)
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(
        rng.permutation(5 * 365)[:600], unit="D"
    )
    frame = pd.DataFrame(
        {
            "day": days.strftime("%Y-%m-%d"),
            "x": rng.normal(size=600),
            "y": np.where(days.day_of_week >= 5, "weekend", "weekday"),
        }
    )
    train, test = frame.iloc[:450], frame.iloc[450:]
    assert not set(test["day"]) & set(train["day"])
    path = tmp_path / "days.csv"
    train.to_csv(path, index=False)
    recipe = BinaryClassification(
        target="y",
        epochs=60,
        ensemble=1,
        folds=1,
        hyperparameters={"units": 32},
    ).fit(path)
    assert {c.name: c.kind for c in recipe.schema_.columns}["day"] == "date"
    answer = _serve(recipe.export(tmp_path / "model"), test, recipe.schema_)
    predicted = recipe.predict(test)
    np.testing.assert_allclose(
        answer["probability"], predicted["proba_weekend"], atol=1e-5
    )
    assert (predicted["class"] == test["y"]).mean() > 0.9


def test_the_export_carries_its_model_card(fitted, exported, csvs, capsys):
    """Issue 19, item 5: task, columns with their training statistics, the
    held-out metrics beside the trivial baseline, versions; `describe`
    prints it without the training code."""
    from recipes.cli import main

    card = json.loads(
        (exported["binary"] / "assets" / "model_card.json").read_text()
    )
    recipe = fitted["binary"]
    assert (card["task"], card["target"]) == ("binary", "y")
    assert card["classes"] == ["no", "yes"]
    train = pd.read_csv(csvs["binary"][0])  # cross-fitted: every row trains
    columns = {c["name"]: c for c in card["columns"]}
    assert columns["x1"]["kind"] == "numeric"
    assert columns["x1"]["mean"] == pytest.approx(train["x1"].mean())
    assert columns["x1"]["missing"] == train["x1"].isna().sum()
    assert columns["color"]["distinct"] == train["color"].nunique()
    validation = card["metrics"]["validation"]
    assert validation["rows"] == len(train)  # out of fold: every row
    assert validation["model"] == pytest.approx(recipe.validation_metrics_)
    assert validation["model"]["roc_auc"] > validation["trivial"]["roc_auc"]
    assert card["versions"]["tensorflow"] == tf.__version__
    assert card["training"]["networks"] == 5
    assert main(["describe", str(exported["binary"])]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Model card: BinaryClassification of 'y'")
    assert "## Metrics: validation" in text and "| roc_auc |" in text
    assert main(["describe", str(exported["binary"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == card
