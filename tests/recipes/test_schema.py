"""Schema inference and the train/validation split."""

import warnings

import numpy as np
import pandas as pd
import pytest

from recipes.errors import DataError, DataWarning
from recipes.schema import infer_schema, serving_name
from recipes.splitting import split_indices


def test_kinds_and_dropped_columns_are_named():
    rows = 40
    frame = pd.DataFrame(
        {
            "row_id": np.arange(rows),  # a running integer: id-like
            "name": [f"person {i}" for i in range(rows)],  # unique text
            "constant": 7,
            "empty": np.nan,
            "amount": np.random.default_rng(0).normal(size=rows),
            "flag": [True, False] * 20,
            "city": ["a", "b"] * 20,
            "target": [0, 1] * 20,
        }
    )
    schema, notes = infer_schema(frame, "target", "binary", name="t.csv")
    assert [(c.name, c.kind) for c in schema.columns] == [
        ("amount", "numeric"),
        ("flag", "numeric"),
        ("city", "categorical"),
    ]
    text = "\n".join(notes)
    for column, reason in [
        ("row_id", "running integer"),
        ("name", "different text in every row"),
        ("constant", "constant"),
        ("empty", "entirely empty"),
    ]:
        assert f"column {column!r} of t.csv: " in text
        assert reason in text


def test_explicit_features_keep_id_like_columns():
    frame = pd.DataFrame(
        {"code": [f"c{i}" for i in range(30)], "y": [0, 1] * 15}
    )
    schema, notes = infer_schema(frame, "y", "binary", features=["code"])
    assert [c.name for c in schema.columns] == ["code"] and not notes


def test_missing_target_suggests_close_names():
    frame = pd.DataFrame({"income": [1, 2], "age": [3, 4]})
    with pytest.raises(
        DataError, match="no column 'incom'; did you mean income"
    ):
        infer_schema(frame, "incom", "binary", name="train.csv")


def test_serving_names_are_safe_and_unique():
    assert serving_name("mean radius") == "mean_radius"
    assert serving_name("3rd") == "_3rd"
    frame = pd.DataFrame({"a b": [1.0, 2.0], "a_b": [3.0, 4.0], "y": [0, 1]})
    with pytest.raises(DataError, match="both become input 'a_b'"):
        infer_schema(frame, "y", "binary")


def test_split_is_shuffled_and_stratified():
    y = np.repeat([0, 1, 2], [60, 30, 10])  # sorted by class, as CSVs often are
    train, valid = split_indices(y, 0.2, stratify=True, seed=0)
    assert sorted(np.concatenate([train, valid])) == list(range(100))
    assert np.bincount(y[valid]).tolist() == [12, 6, 2]
    again, _ = split_indices(y, 0.2, stratify=True, seed=0)
    other, _ = split_indices(y, 0.2, stratify=True, seed=1)
    assert (again == train).all() and not np.array_equal(other, train)


def test_split_refuses_when_every_class_is_too_rare_to_validate():
    y = np.repeat(np.arange(5), 2)  # ten rows, two per class
    with pytest.raises(DataError, match="no class has 3 rows or more"):
        split_indices(y, 0.2, stratify=True, name="tiny.csv")


def test_rare_class_stays_in_training_with_a_warning():
    y = np.array([0] * 30 + [1] * 30 + [2])
    with pytest.warns(DataWarning, match=r"class\(es\) \['tiny'\]"):
        train, valid = split_indices(
            y, 0.2, stratify=True, labels=["a", "b", "tiny"], name="t.csv"
        )
    assert 60 in train and 60 not in valid


def test_too_few_rows_for_a_split():
    with pytest.raises(DataError, match="needs at least 10"):
        split_indices(np.array([0, 1, 0]), 0.2, stratify=True)


def test_regression_split_has_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train, valid = split_indices(np.arange(50.0), 0.2, stratify=False)
    assert len(valid) == 10


def test_dates_stay_text_beside_integers_with_gaps(tmp_path):
    """Re-reading the date columns as text leaves the other columns as
    pyarrow read them (given `dtype`, pandas cast an integer column with a
    missing cell and failed: bird_strikes' train.csv)."""
    from recipes.reading import read_table

    path = tmp_path / "t.csv"
    path.write_text("mass,date,y\n1,2020-01-31,a\n,2021-02-01,b\n3,,a\n")
    frame, _ = read_table(path)
    assert frame["date"].tolist()[:2] == ["2020-01-31", "2021-02-01"]
    assert frame["date"].isna().tolist() == [False, False, True]
    np.testing.assert_array_equal(frame["mass"], [1.0, np.nan, 3.0])
