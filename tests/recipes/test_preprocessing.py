"""Preprocessing inside the model, against NumPy references."""

import numpy as np
import pandas as pd
import pytest

from recipes.errors import DataError
from recipes.preprocessing import (
    build_preprocessor,
    numeric_layer,
    to_inputs,
    vocabulary,
)
from recipes.schema import infer_schema

RNG = np.random.default_rng(0)
TRAIN = np.column_stack([RNG.normal(5, 2, 50), RNG.exponential(3, 50)])
TRAIN[[3, 7], 0] = np.nan


def _reference(x, train, kind):
    fill = np.nanmedian(train, axis=0)
    train = np.where(np.isnan(train), fill, train)
    x = np.where(np.isfinite(x), x, fill)
    if kind == "log":
        train, x = (
            np.log1p(np.abs(train)) * np.sign(train),
            np.sign(x) * np.log1p(np.abs(x)),
        )
    if kind in ("zscore", "log"):
        return (x - train.mean(0)) / train.std(0)
    low, high = train.min(0), train.max(0)
    unit = (x - low) / (high - low)
    return unit if kind == "minmax" else 2 * unit - 1


@pytest.mark.parametrize("kind", ["zscore", "minmax", "range", "log"])
def test_numeric_normalization_matches_numpy(kind):
    layer = numeric_layer(TRAIN, kind)
    x = np.array([[4.0, 1.0], [np.nan, 10.0], [np.inf, -np.inf]])
    out = np.asarray(
        layer([x[:, 0].astype("float32"), x[:, 1].astype("float32")])
    )
    np.testing.assert_allclose(
        out[:, :2], _reference(x, TRAIN, kind), rtol=1e-5, atol=1e-5
    )
    # Column 0 had missing cells in training: it gets an indicator.
    np.testing.assert_array_equal(out[:, 2], [0.0, 1.0, 1.0])
    assert out.shape == (3, 3)
    if kind == "range":
        train_out = np.asarray(layer([c.astype("float32") for c in TRAIN.T]))
        assert train_out[:, :2].min() == pytest.approx(-1) and train_out[
            :, :2
        ].max() == pytest.approx(1)


def test_unknown_normalization_lists_the_choices():
    with pytest.raises(ValueError, match="zscore, minmax, range, log"):
        numeric_layer(TRAIN, "quantile")


def test_vocabulary_keeps_the_most_frequent_values():
    values = pd.Series(["a"] * 5 + ["b"] * 3 + ["c"] + [None] * 2)
    assert vocabulary(values, limit=3) == ["", "a", "b"]


def test_categories_one_hot_with_an_unseen_slot():
    frame = pd.DataFrame({"c": ["x", "y", "x", None], "y": [0, 1, 0, 1]})
    schema, _ = infer_schema(frame, "y", "binary")
    model = build_preprocessor(schema, frame)
    new = pd.DataFrame({"c": ["y", "unseen", None]})
    out = np.asarray(model(to_inputs(new, schema)))
    # vocabulary ["", "x", "y"] after the out-of-vocabulary slot 0
    np.testing.assert_array_equal(
        out, [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]
    )


def test_text_in_a_numeric_column_at_predict_time_is_named():
    frame = pd.DataFrame({"n": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    schema, _ = infer_schema(frame, "y", "binary")
    with pytest.raises(
        DataError, match="column 'n' of new.csv is numeric.*'abc'"
    ):
        to_inputs(pd.DataFrame({"n": ["1", "abc", ""]}), schema, "new.csv")
    with pytest.raises(DataError, match="lacks feature column.*'n'"):
        to_inputs(pd.DataFrame({"m": [1]}), schema, "new.csv")


def test_extreme_values_stay_finite():
    """Found by the random-table test: a float32-denormal spread gave NaN."""
    train = np.array([[1.175494e-38], [0.0], [np.nan], [0.0]])
    layer = numeric_layer(train)
    x = np.array([1.175494e-38, 0.0, 3.4e38, -3.4e38], dtype="float32")
    out = np.asarray(layer([x]))
    assert np.isfinite(out).all()
    assert out[2, 0] == 1e4 and out[3, 0] == -1e4  # clipped, not inf
