"""Permutation importance of each raw column, for any trained model.

scikit-learn's `permutation_importance` does the shuffling; this module
hands it the model's own metric on the rows given: the importance of a
column is how much that metric worsens when the column is shuffled (mean
and standard deviation over `repeats` seeded shuffles), so 0 means unused
and a negative value means noise.

Example (not run):

    recipe.importance("data/abalone/test.csv", repeats=5)
    #   column  importance   std  metric
    #   shell_weight  0.41  0.02    rmse
    #   ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from recipes.errors import ArgumentError, check_positive_int
from recipes.reading import Table


def importance(
    predictor, data: Table, *, repeats: int = 5, seed: int = 0
) -> pd.DataFrame:
    """One row per feature column, most important first.

    Columns: `column`, `importance` (the metric's mean worsening when the
    column is shuffled, in the metric's units), `std`, `metric`.

    Raises:
        DataError: the table lacks the target or a feature column.
        ArgumentError: `repeats` is not a positive integer.
    """
    check_positive_int("repeats", repeats)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ArgumentError(f"seed must be an integer, got {seed!r}")
    frame, y, name = predictor._labelled(data)
    schema, task = predictor.schema_, predictor.task_
    metric, lower_is_better = task.ranking
    features = [c.name for c in schema.columns]

    def scorer(_, rows: pd.DataFrame, targets: np.ndarray) -> float:
        output = predictor._output(rows, name)
        value = task.score(schema, targets, output)[metric]
        return -value if lower_is_better else value

    result = permutation_importance(
        _Trained(),
        frame[features].reset_index(drop=True),
        y,
        scoring=scorer,
        n_repeats=repeats,
        random_state=seed,
    )
    table = pd.DataFrame(
        {
            "column": features,
            "importance": result.importances_mean,
            "std": result.importances_std,
            "metric": metric,
        }
    )
    return table.sort_values(
        "importance", ascending=False, kind="stable"
    ).reset_index(drop=True)


class _Trained:
    """The estimator `permutation_importance` asks for: it only checks for
    a `fit`, which it never calls (the scorer above runs the model)."""

    def fit(self, *args, **kwargs):
        raise TypeError("the model is trained already; it is never refitted")
