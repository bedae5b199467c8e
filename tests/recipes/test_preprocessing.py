"""Preprocessing inside the model, against NumPy references."""

import numpy as np
import pandas as pd
import pytest

from recipes.errors import DataError
from recipes.preprocessing import (
    Layout,
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
        numeric_layer(TRAIN, "whiten")


def _columns(x):
    return [c.astype("float32") for c in np.asarray(x).T]


def test_robust_scaling_matches_sklearn_then_clips_smoothly():
    from sklearn.preprocessing import RobustScaler

    layer = numeric_layer(TRAIN, "robust")
    filled = np.where(np.isnan(TRAIN), np.nanmedian(TRAIN, axis=0), TRAIN)
    x = np.array([[4.0, 1.0], [5.0, 30.0], [-1e6, 1e6]])
    scaled = RobustScaler(unit_variance=True).fit(filled).transform(x)
    expected = scaled / np.sqrt(1 + (scaled / 3) ** 2)
    out = np.asarray(layer(_columns(x)))[:, :2]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert np.abs(out).max() < 3  # outliers end just inside +-3


def test_quantile_scaling_matches_sklearn_inside_the_tails():
    from sklearn.preprocessing import QuantileTransformer

    rng = np.random.default_rng(1)
    train = np.column_stack([rng.normal(5, 2, 2000), rng.exponential(3, 2000)])
    layer = numeric_layer(train, "quantile")
    out = np.asarray(layer(_columns(train)))
    reference = QuantileTransformer(
        n_quantiles=64, output_distribution="normal"
    ).fit(train)
    expected = reference.transform(train)
    inside = np.abs(expected) < 2  # sklearn clips its extremes to +-5.2
    np.testing.assert_allclose(out[inside], expected[inside], atol=0.03)
    np.testing.assert_allclose(out.mean(0), 0, atol=0.02)
    np.testing.assert_allclose(out.std(0), 1, atol=0.03)
    # the map of the layer is numpy's interpolation through its knots
    beyond = np.array([[-100.0, 1e9], [5.0, 1.5]])
    expected = [
        np.interp(beyond[:, j], layer.knots[j], layer.scores[j])
        for j in range(2)
    ]
    np.testing.assert_allclose(
        np.asarray(layer(_columns(beyond))), np.transpose(expected), atol=1e-5
    )


def test_quantile_scaling_gives_tied_values_their_mean_rank():
    """A 0/1 column with 30 % ones: 0 -> z(0.35), 1 -> z(0.85)."""
    from scipy.stats import norm

    train = np.repeat([[0.0], [1.0]], [70, 30], axis=0)
    layer = numeric_layer(train, "quantile")
    out = np.asarray(layer(_columns([[0.0], [1.0]])))[:, 0]
    np.testing.assert_allclose(out, norm.ppf([0.35, 0.85]), atol=1e-5)


def test_layout_says_where_each_kind_of_feature_sits():
    frame = pd.DataFrame(
        {
            "x": [1.0, None, 3.0, 4.0, 5.0, 6.0],
            "c": ["a", "b", "a", None, "b", None],
            "z": [0.5, 0.1, 0.2, 0.3, 0.4, 0.6],
            "d": ["u", "v", "w", "u", "v", "x"],
        }
    )
    schema, _ = infer_schema(frame.assign(y=[0, 1] * 3), "y", "binary")
    preprocessor, layout = build_preprocessor(schema, frame)
    # c: "", "a", "b" (missing is a category) and the unseen code; d: "u",
    # "v" and the unseen code, which "w" and "x" (seen once) share
    assert layout == Layout(2, 1, (4, 3))
    out = np.asarray(preprocessor(to_inputs(frame, schema)))
    assert out.shape[1] == 2 + 1 + 1 + 1  # one code per categorical column


def test_vocabulary_keeps_the_most_frequent_values():
    values = pd.Series(["a"] * 5 + ["b"] * 3 + ["c"] + [None] * 2)
    assert vocabulary(values, limit=3, min_count=1) == ["", "a", "b"]
    # values seen once share the unseen code
    assert vocabulary(values) == ["", "a", "b"]
    assert vocabulary(values, min_count=3) == ["a", "b"]


def test_categories_become_codes_with_an_unseen_slot():
    frame = pd.DataFrame({"c": ["x", "y", "x", None, "y", None, "z"]})
    schema, _ = infer_schema(frame.assign(y=[0, 1] * 3 + [0]), "y", "binary")
    model, layout = build_preprocessor(schema, frame)
    new = pd.DataFrame({"c": ["y", "unseen", None, "z"]})
    out = np.asarray(model(to_inputs(new, schema)))
    # vocabulary ["", "x", "y"] after the unseen code 0; "z" was seen once
    assert layout.categories == (4,)
    np.testing.assert_array_equal(out, [[3], [0], [1], [0]])


def test_a_vocabulary_of_thousands_keeps_one_code_per_cell():
    """Categories far past 100 values keep their own code (no one-hot
    matrix is ever materialized: one float per categorical cell)."""
    values = [f"v{i}" for i in range(3000)] * 2
    frame = pd.DataFrame({"c": values, "n": np.tile(np.arange(10.0), 600)})
    schema, _ = infer_schema(frame.assign(y=[0, 1] * 3000), "y", "binary")
    model, layout = build_preprocessor(schema, frame)
    assert layout.categories == (3001,)
    out = np.asarray(model(to_inputs(frame.iloc[:5], schema)))
    assert out.shape == (5, 2)
    codes = out[:, 1].astype(int)
    assert len(set(codes)) == 5 and codes.min() > 0


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
