"""Task metrics, computed with scikit-learn from predictions.

>>> import numpy as np
>>> regression_metrics(np.array([1.0, 2.0]), np.array([1.0, 3.0]))["mae"]
0.5
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics


def regression_metrics(y: np.ndarray, prediction: np.ndarray) -> dict:
    """`rmse`, `mae` and `r2` of a regression."""
    return {
        "rmse": float(np.sqrt(metrics.mean_squared_error(y, prediction))),
        "mae": float(metrics.mean_absolute_error(y, prediction)),
        "r2": float(metrics.r2_score(y, prediction)),
    }


def binary_metrics(
    y: np.ndarray, probability: np.ndarray, positive: int
) -> dict:
    """`accuracy`, `roc_auc`, `log_loss`, `f1` of a binary classification.

    Args:
        y: true class indices (0 or 1).
        probability: predicted probability of class 1.
        positive: the class index whose f1 is reported (the rarer class in
            training, as scikit-learn users usually report it).
    """
    predicted = (probability >= 0.5).astype(int)
    both = len(np.unique(y)) == 2
    return {
        "accuracy": float(metrics.accuracy_score(y, predicted)),
        "roc_auc": float(metrics.roc_auc_score(y, probability))
        if both
        else float("nan"),
        "log_loss": float(metrics.log_loss(y, probability, labels=[0, 1])),
        "f1": float(metrics.f1_score(y, predicted, pos_label=positive)),
    }


def multiclass_metrics(y: np.ndarray, probabilities: np.ndarray) -> dict:
    """`accuracy`, `log_loss`, `macro_f1` of a multiclass classification."""
    predicted = probabilities.argmax(axis=1)
    labels = np.arange(probabilities.shape[1])
    return {
        "accuracy": float(metrics.accuracy_score(y, predicted)),
        "log_loss": float(metrics.log_loss(y, probabilities, labels=labels)),
        "macro_f1": float(metrics.f1_score(y, predicted, average="macro")),
    }
