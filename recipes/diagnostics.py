"""Plots of a model's predictions against the truth, one kind per task.

A task names its kind (`recipes.tasks.Task.diagnostic`): residuals for a
regression, ROC and precision-recall curves for a binary classification, a
confusion matrix for several classes; every classification also has a
reliability plot (`reliability`). Each plot comes with its alt text and
caption, for `recipes.report`.

>>> schema = Schema("binary", "y", (), classes=("no", "yes"), positive=1)
>>> predictions = pd.DataFrame({"proba_yes": [0.9, 0.2, 0.6, 0.4]})
>>> figure, alt, caption = plot("roc", schema, np.array([1, 0, 1, 0]),
...                             predictions)
>>> alt
'ROC curve and precision-recall curve of class yes'
>>> for axes in figure.axes:
...     print(axes.get_title())
ROC curve (positive class yes)
Precision-recall curve (positive class yes)
>>> plot("roc", schema, np.array([1, 1, 1, 1]), predictions)
'<p>The test data hold one class only: no ROC curve.</p>'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn import calibration, metrics

from recipes.schema import Schema

Plot = tuple[Figure, str, str]  # the figure, its alt text, its caption


def plot(
    kind: str, schema: Schema, y: np.ndarray, predictions: pd.DataFrame
) -> Plot | str:
    """The `kind` of plot of `predictions` for true targets `y` (as the
    task encodes them), or a sentence saying why there is none."""
    return PLOTS[kind](schema, y, predictions)


def _residuals(
    schema: Schema, y: np.ndarray, predictions: pd.DataFrame
) -> Plot | str:
    predicted = predictions["prediction"].to_numpy()
    figure = Figure(figsize=(7, 4), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(predicted, y - predicted, s=12, alpha=0.6)
    axes.axhline(0, color="gray", linestyle="--")
    axes.set(
        xlabel="predicted",
        ylabel="residual (true − predicted)",
        title="Residuals on the test data",
    )
    return (
        figure,
        "residual plot: residual against predicted value",
        "Residuals against predictions: a pattern (a slope, a curve, a "
        "funnel) is signal the model missed.",
    )


def _roc_and_precision_recall(
    schema: Schema, y: np.ndarray, predictions: pd.DataFrame
) -> Plot | str:
    label = schema.class_names[schema.positive]
    truth = y == schema.positive
    if truth.all() or not truth.any():
        return "<p>The test data hold one class only: no ROC curve.</p>"
    score = predictions[f"proba_{label}"].to_numpy()
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    roc, pr = figure.subplots(1, 2)
    fpr, tpr, _ = metrics.roc_curve(truth, score)
    auc = metrics.roc_auc_score(truth, score)
    roc.plot(fpr, tpr, label=f"model (AUC {auc:.3f})")
    roc.plot([0, 1], [0, 1], color="gray", linestyle="--", label="chance")
    roc.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title=f"ROC curve (positive class {label})",
    )
    precision, recall, _ = metrics.precision_recall_curve(truth, score)
    average = metrics.average_precision_score(truth, score)
    pr.plot(recall, precision, label=f"model (AP {average:.3f})")
    pr.axhline(truth.mean(), color="gray", linestyle="--", label="chance")
    pr.set(
        xlabel="recall",
        ylabel="precision",
        title=f"Precision-recall curve (positive class {label})",
        ylim=(0, 1.02),
    )
    roc.legend(loc="lower right")
    pr.legend(loc="lower left")
    return (
        figure,
        f"ROC curve and precision-recall curve of class {label}",
        f"Class {label} is the positive class (the rarer in training); the "
        "dashed lines are a model that guesses.",
    )


def _confusion(
    schema: Schema, y: np.ndarray, predictions: pd.DataFrame
) -> Plot | str:
    names = schema.class_names
    probabilities = predictions[[f"proba_{n}" for n in names]].to_numpy()
    counts = metrics.confusion_matrix(
        y, probabilities.argmax(axis=1), labels=range(len(names))
    )
    side = 2.5 + 0.6 * len(names)
    figure = Figure(figsize=(side + 1.2, side), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(counts, cmap="Blues")
    figure.colorbar(image, ax=axes, label="rows")
    middle = counts.max() / 2
    for (i, j), count in np.ndenumerate(counts):
        axes.text(
            j,
            i,
            str(count),
            ha="center",
            va="center",
            color="white" if count > middle else "black",
        )
    ticks = range(len(names))
    axes.set_xticks(ticks, names, rotation=45 if len(names) > 6 else 0)
    axes.set_yticks(ticks, names)
    axes.set(xlabel="predicted", ylabel="true", title="Confusion matrix")
    return (
        figure,
        "confusion matrix of the test data",
        "Test rows by true class (rows) and predicted class (columns); "
        "the diagonal is right.",
    )


def reliability(
    schema: Schema, y: np.ndarray, predictions: pd.DataFrame, bins: int = 10
) -> Plot:
    """Predicted probability against observed frequency, in `bins` bins of
    equal rows: the positive class's for two classes, the predicted
    class's (its confidence against its accuracy) for more."""
    names = schema.class_names
    probabilities = predictions[[f"proba_{n}" for n in names]].to_numpy()
    if len(names) == 2:
        hit, confidence = (
            y == schema.positive,
            probabilities[:, schema.positive],
        )
        what = f"probability of class {names[schema.positive]}"
    else:
        hit = probabilities.argmax(axis=1) == y
        confidence = probabilities.max(axis=1)
        what = "probability of the predicted class"
    bins = min(bins, len(y))
    observed, predicted = calibration.calibration_curve(
        hit, confidence, n_bins=bins, strategy="quantile"
    )
    # the rows of each non-empty bin, binned as calibration_curve bins them
    edges = np.percentile(confidence, np.linspace(0, 100, bins + 1))
    counts = np.bincount(np.searchsorted(edges[1:-1], confidence))
    gap = np.abs(observed - predicted) @ counts[counts > 0] / len(y)
    figure = Figure(figsize=(5.5, 5), layout="constrained")
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="gray", linestyle="--", label="calibrated")
    axes.plot(predicted, observed, marker="o", label="model")
    axes.set(
        xlabel=f"predicted {what}",
        ylabel="observed frequency",
        title="Reliability on the test data",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axes.legend(loc="upper left")
    return (
        figure,
        f"reliability plot: observed frequency against predicted {what}",
        f"Test rows in {len(observed)} bins of about equal size; points "
        "below the diagonal are overconfident, above it timid. Expected "
        f"calibration error {gap:.3f} (the rows' mean |observed − "
        "predicted| of their bin).",
    )


def importance_plot(table: pd.DataFrame, rows: int) -> Plot:
    """A bar per column of a permutation-importance table
    (`recipes.importance`), most important on top, with its std."""
    shown = table.iloc[::-1]
    metric = table["metric"].iloc[0]
    figure = Figure(figsize=(7, 1.2 + 0.32 * len(table)), layout="constrained")
    axes = figure.add_subplot()
    axes.barh(shown["column"], shown["importance"], xerr=shown["std"])
    axes.axvline(0, color="gray", linewidth=0.8)
    axes.set(
        xlabel=f"{metric} lost when the column is shuffled",
        title="Permutation importance",
    )
    return (
        figure,
        "bar chart of the permutation importance of each column",
        f"How much {metric} worsens on {rows} test rows when one column's "
        "values are shuffled (mean and standard deviation over 5 seeded "
        "shuffles); near 0: the model does not use it.",
    )


PLOTS = {  # by the task's `diagnostic`
    "residuals": _residuals,
    "roc": _roc_and_precision_recall,
    "confusion": _confusion,
}
