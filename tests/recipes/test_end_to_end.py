"""Each recipe end to end: fit, evaluate, predict, export, save and load."""

import numpy as np
import pandas as pd
import pytest

from recipes import ExportedModel, load
from tests.conftest import make_frame

TASKS = ("regression", "binary", "multiclass")
PRIMARY = {"regression": "rmse", "binary": "roc_auc", "multiclass": "accuracy"}
KEYS = {
    "regression": {"rmse", "mae", "r2"},
    "binary": {"accuracy", "roc_auc", "log_loss", "f1"},
    "multiclass": {"accuracy", "log_loss", "macro_f1"},
}


@pytest.mark.parametrize("task", TASKS)
def test_fitted_recipe_beats_the_trivial_baseline(task, fitted, csvs):
    recipe, test = fitted[task], csvs[task][1]
    metrics, baseline = recipe.evaluate(test), recipe.evaluate_baseline(test)
    assert set(metrics) == KEYS[task]
    key = PRIMARY[task]
    if task == "regression":
        assert metrics[key] < 0.5 * baseline[key]
        assert metrics["r2"] > 0.7
    else:
        assert metrics[key] > baseline[key] + 0.2
        assert metrics["log_loss"] < baseline["log_loss"]


@pytest.mark.parametrize("task", TASKS)
def test_predict_columns_and_labels(task, fitted, csvs):
    frame = pd.read_csv(csvs[task][1])
    predictions = fitted[task].predict(frame)
    assert len(predictions) == len(frame)
    assert (predictions.index == frame.index).all()
    if task == "regression":
        assert list(predictions.columns) == ["prediction"]
        return
    labels = sorted(frame["y"].unique())
    assert list(predictions.columns) == ["class"] + [
        f"proba_{c}" for c in labels
    ]
    probabilities = predictions[[f"proba_{c}" for c in labels]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    chosen = np.array(labels)[probabilities.argmax(axis=1)]
    assert (predictions["class"].to_numpy() == chosen).all()
    assert set(predictions["class"]) <= set(labels)


@pytest.mark.parametrize("task", TASKS)
def test_saved_recipe_and_export_predict_like_the_recipe(
    task, fitted, exported, csvs, tmp_path
):
    recipe, test = fitted[task], csvs[task][1]
    expected = recipe.predict(test)
    reloaded = load(recipe.save(tmp_path / "saved.recipe"))
    assert type(reloaded) is type(recipe)
    assert reloaded.get_params() == recipe.get_params()
    pd.testing.assert_frame_equal(reloaded.predict(test), expected, atol=1e-6)
    served = load(exported[task])
    assert isinstance(served, ExportedModel)
    pd.testing.assert_frame_equal(served.predict(test), expected, atol=1e-5)
    assert served.evaluate(test) == pytest.approx(
        recipe.evaluate(test), abs=1e-4
    )


@pytest.mark.parametrize("task", TASKS)
def test_missing_and_unseen_values_are_served(task, fitted, exported):
    rows = pd.DataFrame(
        {
            "x1": [np.nan, 0.5, np.nan],
            "x 2": [0.1, np.nan, 0.3],
            "color": ["purple", None, ""],  # unseen, missing, empty
            "unused": [1, 2, 3],  # extra columns are ignored
        }
    )
    expected = fitted[task].predict(rows)
    assert np.isfinite(expected.select_dtypes("number").to_numpy()).all()
    served = ExportedModel(exported[task]).predict(rows)
    pd.testing.assert_frame_equal(served, expected, atol=1e-5)


def test_string_integer_and_boolean_labels_come_back_as_given(tmp_path):
    from recipes import BinaryClassification, MulticlassClassification

    frame = make_frame("multiclass", 300)
    codes = {"low": 10, "mid": 20, "high": 30}
    frame["y"] = frame["y"].map(codes)
    recipe = MulticlassClassification(target="y", epochs=5).fit(frame)
    assert recipe.schema_.classes == (10, 20, 30)
    predicted = recipe.predict(frame)["class"]
    assert set(predicted) <= {10, 20, 30}
    assert all(isinstance(v, int) for v in predicted)
    frame["y"] = frame["y"] > 15
    binary = BinaryClassification(target="y", epochs=5).fit(frame)
    assert binary.schema_.classes == (False, True)
    assert set(binary.predict(frame)["class"]) <= {False, True}
    served = load(binary.export(tmp_path / "bool"))
    assert served.schema_.class_names == ["False", "True"]


def test_recipe_on_a_shipped_dataset(tmp_path):
    """penguins: categorical and missing cells, string labels, real data."""
    from recipes import auto_recipe
    from tests.conftest import DATA

    train = f"{DATA}/penguins/train.csv"
    recipe = auto_recipe(train, target="species", epochs=60).fit(train)
    metrics = recipe.evaluate(f"{DATA}/penguins/test.csv")
    assert metrics["accuracy"] > 0.9
    assert recipe.best_epoch_ is not None
    assert len(recipe.history_["val_loss"]) >= recipe.best_epoch_


def test_same_seed_same_metrics_on_cpu(csvs):
    from recipes import BinaryClassification

    train, test = csvs["binary"]

    def run(seed):
        recipe = BinaryClassification(target="y", seed=seed, epochs=5)
        return recipe.fit(train).evaluate(test)

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other


def test_seed_ensemble_is_the_mean_of_its_members(csvs):
    from recipes import Regression

    train, valid = csvs["regression"]

    def predictions(seed, ensemble=1):
        recipe = Regression(target="y", seed=seed, epochs=5, ensemble=ensemble)
        recipe.fit(train, validation=valid)
        return recipe.predict(valid)["prediction"].to_numpy()

    first, second = predictions(0), predictions(1)
    assert not np.allclose(first, second, atol=1e-3)
    np.testing.assert_allclose(
        predictions(0, ensemble=2), (first + second) / 2, atol=1e-5
    )
