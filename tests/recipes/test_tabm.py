"""TabM as a recipe's network: members trained apart, served as one."""

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from recipes import BinaryClassification, Regression
from recipes.calibration import Temperature
from recipes.preprocessing import to_inputs
from tests.conftest import make_frame

TABM = {"architecture": "tabm", "members": 4, "units": 16}


def _network(model):
    return next(
        layer
        for layer in model.layers
        if getattr(layer, "optimizer", None) is not None
    )


@pytest.mark.parametrize("architecture", ["tabm", "tabm_mini"])
def test_members_differ_after_training_and_serve_as_their_mean(
    architecture, tmp_path
):
    frame = make_frame("binary", 300)
    recipe = BinaryClassification(
        target="y",
        epochs=15,
        ensemble=1,
        folds=1,
        hyperparameters={**TABM, "architecture": architecture},
    ).fit(frame)
    network = _network(recipe.model_)
    assert "mean_member" in network.loss.name
    features = recipe.model_.get_layer("preprocessor")(
        to_inputs(frame, recipe.schema_)
    )
    members = np.asarray(network(features, training=True))
    assert members.shape == (300, 4, 1)
    spread = members.std(axis=1).mean()
    assert spread > 1e-3  # trained apart: the members disagree
    mean = np.asarray(network(features, training=False))
    np.testing.assert_allclose(mean, members.mean(axis=1), atol=1e-6)
    # served: the members' mean, calibrated by the recipe's temperature
    calibrated = Temperature(recipe.temperature_, binary=True)(mean)
    predicted = recipe.predict(frame)["proba_yes"].to_numpy()
    np.testing.assert_allclose(
        predicted, np.asarray(calibrated)[:, 0], atol=1e-6
    )
    assert recipe.evaluate(frame)["roc_auc"] > 0.9
    # the SavedModel keeps the signature: one probability per row
    path = recipe.export(tmp_path / "model")
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    answer = serve(**to_inputs(frame, recipe.schema_))
    assert answer["probability"].shape == (300,)
    np.testing.assert_allclose(answer["probability"], predicted, atol=1e-5)


def test_tabm_regression_answers_in_the_target_units():
    frame = make_frame("regression", 300)
    frame["y"] = 1000 + 100 * frame["y"]
    recipe = Regression(
        target="y", epochs=20, ensemble=1, folds=1, hyperparameters=TABM
    ).fit(frame)
    predicted = recipe.predict(frame)["prediction"]
    assert abs(predicted.mean() - frame["y"].mean()) < 0.2 * frame["y"].std()
    assert recipe.evaluate(frame)["r2"] > 0.5


def test_members_must_be_a_positive_integer():
    from recipes.errors import ArgumentError

    with pytest.raises(ArgumentError, match="members must be a positive"):
        Regression(target="y", hyperparameters={"members": 0}).fit(
            pd.DataFrame({"x": np.arange(40.0) % 7, "y": np.arange(40.0)})
        )
