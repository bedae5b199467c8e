"""PNG plots of a search: the score of each trial, the best one's curves.

Drawn on matplotlib's Agg canvas directly, so that no global backend is
chosen for the user's own plots.

>>> import tempfile
>>> from tuning.result import TrialRecord, write_record
>>> scratch = tempfile.TemporaryDirectory()
>>> directory = Path(scratch.name)  # a search's, as `tuning.search` left it
>>> write_record(directory / "trial_1",
...              {"history": {"loss": [0.9, 0.5], "val_loss": [1.0, 0.6]}})
>>> trials = [TrialRecord("1", "COMPLETED", 0.6, 2, {"units": 64}),
...           TrialRecord("0", "COMPLETED", 0.8, 2, {"units": 32})]
>>> paths = plot_search(SearchResult({"units": 64}, 2, trials, directory))
>>> [(p.name, p.read_bytes()[:4]) for p in paths]
[('scores.png', b'\\x89PNG'), ('learning_curves.png', b'\\x89PNG')]
>>> scratch.cleanup()
"""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tuning.files import atomic_write
from tuning.result import SearchResult, trial_number


def plot_search(result: SearchResult) -> list[Path]:
    """Writes `scores.png` and `learning_curves.png` into the directory."""
    return [
        _save(scores_figure(result), result.directory / "scores.png"),
        _save(
            curves_figure(result.history(result.completed[0].trial_id)),
            result.directory / "learning_curves.png",
        ),
    ]


def scores_figure(result: SearchResult) -> Figure:
    """Validation loss of each trial in start order, and the best so far."""
    figure = Figure(figsize=(7, 4), layout="constrained")
    axes = figure.add_subplot()
    trials = sorted(result.trials, key=lambda t: trial_number(t.trial_id))
    ids = [
        int(t.trial_id) if t.trial_id.isdigit() else i
        for i, t in enumerate(trials)
    ]
    done = [
        (i, t.score)
        for i, t in zip(ids, trials, strict=True)
        if t.status == "COMPLETED" and t.score is not None
    ]
    if done:
        axes.plot(*zip(*done, strict=True), "o", label="trial")
        best, steps = math.inf, []
        for i, score in done:
            best = min(best, score)
            steps.append((i, best))
        axes.step(*zip(*steps, strict=True), where="post", label="best so far")
    failed = [
        i for i, t in zip(ids, trials, strict=True) if t.status == "FAILED"
    ]
    for i in failed:
        axes.axvline(i, color="tab:red", alpha=0.3, linestyle=":")
    if failed:
        axes.plot([], [], color="tab:red", linestyle=":", label="failed")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set(
        xlabel="trial",
        ylabel="validation loss",
        title="Search: score per trial",
    )
    axes.legend()
    return figure


def curves_figure(history: dict[str, list[float]]) -> Figure:
    """Training vs validation loss per epoch: the bias/variance reading."""
    figure = Figure(figsize=(7, 4), layout="constrained")
    axes = figure.add_subplot()
    for key, label in (("loss", "training"), ("val_loss", "validation")):
        values = history.get(key, [])
        axes.plot(range(1, len(values) + 1), values, label=label)
    valid = history.get("val_loss", [])
    if valid:
        best = min(range(len(valid)), key=valid.__getitem__) + 1
        axes.axvline(best, color="gray", linestyle="--", label="best epoch")
    axes.set(xlabel="epoch", ylabel="loss", title="Best trial: learning curves")
    axes.legend()
    return figure


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    return atomic_write(
        path, lambda file: figure.savefig(file, format="png", dpi=100)
    )
