"""What every trained model offers: predict, evaluate, and a baseline.

A `Recipe` and an `ExportedModel` (a SavedModel read back) both answer the
same way, from their network's raw output, so that they cannot drift apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recipes import tasks
from recipes.reading import Table, read_table
from recipes.schema import Schema


class Predictor:
    """Base class: subclasses set `schema_`, `prior_` and define `_output`."""

    schema_: Schema
    prior_: list[float]

    @property
    def task_(self) -> tasks.Task:
        """The task of the fitted model."""
        return tasks.get(self.schema_.task)

    def _output(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        """The network's output for a table (prediction or probabilities)."""
        raise NotImplementedError  # defined by each subclass

    def predict(self, data: Table) -> pd.DataFrame:
        """One row of predictions per input row.

        Regression: column `prediction`. Classification: `class` (labels as
        in the CSV) and `proba_<label>` for every class.

        Raises:
            DataError: the table lacks a feature column or has wrong dtypes.
        """
        frame, name = read_table(data, what="predict")
        output = self._output(frame, name)
        return self.task_.decode(self.schema_, output, frame.index)

    def evaluate(self, data: Table) -> dict[str, float]:
        """The task's metrics on a table that holds the target column.

        Regression: `rmse`, `mae`, `r2`; binary: `accuracy`, `roc_auc`,
        `log_loss`, `f1`; multiclass: `accuracy`, `log_loss`, `macro_f1`.
        """
        frame, y, name = self._labelled(data)
        return self.task_.score(self.schema_, y, self._output(frame, name))

    def evaluate_baseline(self, data: Table) -> dict[str, float]:
        """The same metrics for the trivial model (training mean or priors)."""
        _, y, _ = self._labelled(data)
        output = self.task_.trivial_output(self.prior_, len(y))
        return self.task_.score(self.schema_, y, output)

    def importance(
        self, data: Table, repeats: int = 5, seed: int = 0
    ) -> pd.DataFrame:
        """Permutation importance of each feature column on the rows of a
        table holding the target (see `recipes.importance`): how much the
        task's metric (RMSE, ROC AUC, accuracy) worsens when the column is
        shuffled, most important first."""
        from recipes.importance import importance

        return importance(self, data, repeats=repeats, seed=seed)

    def _labelled(self, data: Table) -> tuple[pd.DataFrame, np.ndarray, str]:
        frame, name = read_table(data, what="evaluate")
        frame = tasks.drop_missing_target(frame, self.schema_.target, name)
        return (
            frame,
            self.task_.encode(self.schema_, frame[self.schema_.target], name),
            name,
        )
