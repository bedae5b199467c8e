"""Permutation importance: the informative column first, any model."""

import json

import numpy as np
import pandas as pd
import pytest

from recipes import ArgumentError, load
from recipes.cli import main


@pytest.mark.parametrize("task", ["regression", "binary"])
def test_the_column_that_carries_the_signal_comes_first(task, fitted, csvs):
    # make_frame's target is 2 x1 + 1.5 [color == red] - x2, noise aside.
    table = fitted[task].importance(csvs[task][1], repeats=3, seed=0)
    assert list(table.columns) == ["column", "importance", "std", "metric"]
    assert table["column"].iloc[0] == "x1"
    assert set(table["column"]) == {"x1", "x 2", "color"}
    assert (table["importance"].iloc[:2] > 0).all()
    assert table["importance"].is_monotonic_decreasing
    assert (
        table["metric"].iloc[0]
        == {"regression": "rmse", "binary": "roc_auc"}[task]
    )


def test_importance_is_the_metric_lost_by_shuffling(fitted, csvs):
    # The definition, recomputed by hand for one column and one shuffle.
    recipe, path = fitted["regression"], csvs["regression"][1]
    frame = pd.read_csv(path)
    base = recipe.evaluate(frame)["rmse"]
    shuffled = frame.copy()
    shuffled["x1"] = np.random.default_rng(0).permutation(
        frame["x1"].to_numpy()
    )
    worse = recipe.evaluate(shuffled)["rmse"]
    table = recipe.importance(path, repeats=10, seed=1).set_index("column")
    mean, std = table.loc["x1", "importance"], table.loc["x1", "std"]
    assert abs((worse - base) - mean) < 4 * std + 0.05 * mean


def test_exported_models_and_the_cli_give_the_same(
    fitted, exported, csvs, capsys
):
    path = csvs["multiclass"][1]
    ours = fitted["multiclass"].importance(path, repeats=2, seed=3)
    served = load(exported["multiclass"]).importance(path, repeats=2, seed=3)
    pd.testing.assert_frame_equal(ours, served, atol=1e-6)
    argv = ["importance", str(exported["multiclass"]), str(path)]
    assert main([*argv, "--repeats", "2", "--seed", "3", "--quiet"]) == 0
    printed = pd.DataFrame(json.loads(capsys.readouterr().out))
    pd.testing.assert_frame_equal(printed, served, atol=1e-6)
    with pytest.raises(ArgumentError, match="repeats"):
        fitted["multiclass"].importance(path, repeats=0)
