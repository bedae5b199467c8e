"""A run report: one self-contained HTML page about a fitted recipe.

The page holds the dataset summary, the search's leaderboard and score per
trial, the learning curves with a bias/variance reading, the metrics of the
held-out validation rows and of the test rows against the trivial baseline,
and for each the task's diagnostics (residuals; ROC and precision-recall
curves; confusion matrix; a reliability plot for classification), and the
permutation importance of each column on the test rows. Images
are embedded as PNG data
URIs and the style is inline, so the file opens offline and can be mailed.

>>> import re, tempfile
>>> from recipes import BinaryClassification
>>> recipe = BinaryClassification(target="Status", epochs=3, ensemble=1)
>>> recipe = recipe.fit("data/credit_data/train.csv")
>>> scratch = tempfile.TemporaryDirectory()
>>> path = write_report(recipe, Path(scratch.name, "report.html"),
...                     test="data/credit_data/test.csv")
>>> page = path.read_text()
>>> re.findall('<h2 id="([a-z]+)"', page)  # doctest: +NORMALIZE_WHITESPACE
['dataset', 'leaderboard', 'search', 'curves', 'test', 'diagnostics',
 'importance']
>>> page.count("data:image/png;base64,")  # curves; ROC + PR, reliability x 2
6
>>> scratch.cleanup()
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from recipes import diagnostics, network
from recipes.predictor import Predictor
from recipes.reading import Table, read_table
from tuning import files
from tuning.plots import curves_figure, scores_figure

if TYPE_CHECKING:
    pass

TOP = 20  # leaderboard rows shown
# The bias/variance reading's thresholds, as shares of the trivial model's
# loss (of the validation loss where that is unknown):
BIAS = 0.8  # validation loss above it: bias (with a trivial loss only)
GAP = 0.15  # validation above training by more: variance
WIDENING = 0.05  # the gap widening by more after the best epoch

STYLE = """
body{margin:0;background:#eef1f4;color:#1f2328;
 font:15px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,sans-serif}
main{max-width:1140px;margin:0 auto;padding:20px 36px 40px;background:#fff}
h1{font-size:1.6em;margin:.2em 0 .4em}
h2{font-size:1.25em;margin:1.8em 0 .5em;padding-bottom:.2em;
 border-bottom:1px solid #d0d7de}
h3{font-size:1em;margin:1.2em 0 .3em}
nav{margin:.8em 0;font-size:.9em}
nav a{margin-right:1.2em;color:#0969da;text-decoration:none}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.4em 0;font-size:.85em}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left}
td{white-space:nowrap}
th{background:#f6f8fa;font-weight:600;vertical-align:bottom}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.best td{background:#dafbe1}
.facts th{width:9em}
.facts td{text-align:left}
figure{margin:.6em 0}
img{max-width:100%;height:auto;border:1px solid #eaeef2}
figcaption,.note{color:#57606a;font-size:.9em}
footer{margin-top:2.5em;color:#57606a;font-size:.8em}
"""

SECTIONS = {
    "dataset": "Dataset",
    "leaderboard": "Leaderboard",
    "search": "Validation score per trial",
    "curves": "Learning curves",
    "test": "Metrics",
    "diagnostics": "Diagnostics",
    "importance": "Column importance",
}
IMPORTANCE_ROWS = 2000  # test rows the importance is computed on, at most


def write_report(
    recipe: Predictor, path: str | os.PathLike, test: Table | None = None
) -> Path:
    """Writes the HTML report of a fitted (or loaded) recipe to `path`.

    Everything is computed first; the page is then written beside `path`
    and renamed into place, so a failure never leaves a partial report.

    Args:
        recipe: a fitted `Recipe`, or one read back with `recipes.load`.
        path: the HTML file to write (replaced if it exists).
        test: a CSV path or DataFrame with the target column, for the test
            metrics and diagnostics; None leaves them out.

    Returns:
        `path`, as a Path.
    """
    page = render(recipe, test)
    return files.atomic_write(path, page)


def render(recipe: Predictor, test: Table | None = None) -> str:
    """The report as an HTML string (see `write_report`)."""
    schema = recipe.schema_
    title = f"{type(recipe).__name__} of {schema.target!r}"
    test_parts = _test_sections(recipe, test)
    bodies = {
        "dataset": _dataset(recipe),
        "leaderboard": _leaderboard(recipe),
        "search": _search(recipe),
        "curves": _curves(recipe),
        "test": test_parts[0],
        "diagnostics": test_parts[1],
        "importance": _importance(recipe, test),
    }
    nav = "".join(
        f'<a href="#{key}">{_e(name)}</a>' for key, name in SECTIONS.items()
    )
    sections = "".join(
        f'<section><h2 id="{key}">{_e(SECTIONS[key])}</h2>{body}</section>'
        for key, body in bodies.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{_e(title)}</h1>{_header(recipe)}"
        f"<nav>{nav}</nav>{sections}"
        "<footer>Written by keras-recipes (recipes.report).</footer>"
        "</main></body></html>\n"
    )


# -- sections ---------------------------------------------------------------


def _header(recipe: Predictor) -> str:
    schema = recipe.schema_
    written = datetime.datetime.now().astimezone().isoformat(" ", "seconds")
    arguments = ", ".join(
        f"{k}={v!r}"
        for k, v in recipe.get_params().items()
        if k not in ("target", "hyperparameters", "ensemble")
    )
    facts = [
        ("recipe", type(recipe).__name__),
        ("task", schema.task),
        ("target", schema.target),
        ("arguments", arguments),
        ("networks averaged", getattr(recipe, "ensemble_", 1)),
        ("best epoch", recipe.best_epoch_),
        ("calibration temperature", getattr(recipe, "temperature_", None)),
        ("written", written),
    ]
    rows = "".join(f"<tr><th>{_e(k)}</th>{_cell(v)}</tr>" for k, v in facts)
    hp = recipe.hyperparameters_
    return (
        f'<table class="facts">{rows}</table><h3>Hyperparameters</h3>'
        + _table(list(hp), [list(hp.values())])
    )


def _dataset(recipe: Predictor) -> str:
    summary, schema = recipe.summary_, recipe.schema_
    if not summary:
        kinds = [[c.name, c.kind] for c in schema.columns]
        return (
            '<p class="note">No dataset summary was saved with this recipe '
            "(written by an older version); the feature columns:</p>"
            + _table(["column", "kind"], kinds)
        )
    rows = summary["train_rows"] + summary["validation_rows"]
    columns = [
        [name, c["kind"], c["missing"], _share(c["missing"], rows)]
        + [_statistics(c)]
        for name, c in summary["columns"].items()
    ]
    text = (
        f"<p>{summary['train_rows']} training rows and "
        f"{summary['validation_rows']} validation rows; "
        f"{len(columns)} feature columns.</p>"
        + _table(
            ["column", "kind", "missing", "missing %", "training rows"],
            columns,
        )
    )
    target = summary["target"]
    if schema.classes is None:
        return (
            text
            + f"<h3>Target {_e(repr(schema.target))}</h3>"
            + _table(list(target), [list(target.values())])
        )
    total = sum(target.values())
    balance = [
        [label, count, _share(count, total)] for label, count in target.items()
    ]
    note = ""
    if schema.positive is not None:
        note = (
            '<p class="note">f1 is reported for class '
            f"{_e(schema.class_names[schema.positive])} (the rarer).</p>"
        )
    return (
        text
        + f"<h3>Class balance of {_e(repr(schema.target))}</h3>"
        + _table(["class", "rows", "share %"], balance)
        + note
    )


def _statistics(column: dict) -> str:
    """A column's training statistics in a few words."""
    if "mean" in column:
        return ", ".join(
            f"{key} {_fmt(column[key])}"
            for key in ("mean", "std", "min", "max")
        )
    if "distinct" in column:
        return (
            f"{column['distinct']} values, most frequent "
            f"{column['most_frequent']!r}"
        )
    if "first" in column:
        return f"{column['first']} to {column['last']}"
    return ""


def _leaderboard(recipe: Predictor) -> str:
    result = getattr(recipe, "search_", None)
    if result is None:
        defaults = network.hyperparameters(recipe.network_defaults)
        if recipe.hyperparameters_ == defaults:
            return "<p>Not tuned (default hyperparameters, listed above).</p>"
        return (
            "<p>Not tuned here: no search is recorded with this recipe; the "
            "hyperparameters listed above were set by hand (or found by a "
            "search that a saved recipe does not keep).</p>"
        )
    shown = result.trials[:TOP]
    names = sorted({k for t in shown for k in t.values})
    fixed = {
        n: shown[0].values.get(n)
        for n in names
        if len({repr(t.values.get(n)) for t in shown}) == 1
    }
    names = [n for n in names if n not in fixed]
    rows = [
        [t.trial_id, t.score if t.status == "COMPLETED" else t.status]
        + [t.best_epoch, t.epochs]
        + [None if t.seconds is None else round(t.seconds, 1)]
        + [t.values.get(n) for n in names]
        for t in shown
    ]
    header = ["trial", "val_loss", "best epoch", "epochs", "seconds"]
    which = "best first"
    if len(shown) < len(result.trials):
        which = f"the best {TOP} shown"
    same = ", ".join(f"{k}={_fmt(v)}" for k, v in fixed.items())
    note = f'<p class="note">Every trial shown had {_e(same)}.</p>'
    return (
        f"<p>{len(result.trials)} trials, {len(result.completed)} completed "
        f"({which}); search directory <code>{_e(result.directory)}</code>."
        "</p>"
        + _table([*header, *names], rows, first_is_best=True)
        + (note if fixed else "")
    )


def _search(recipe: Predictor) -> str:
    result = getattr(recipe, "search_", None)
    if result is None:
        return "<p>Omitted: no search is recorded with this recipe.</p>"
    return _image(
        scores_figure(result),
        "validation loss per trial and the best so far",
        "Validation loss of each trial in start order (dots) and the best "
        "so far (steps); dotted red lines mark failed trials.",
    )


def _curves(recipe: Predictor) -> str:
    result = getattr(recipe, "search_", None)
    if result is None:
        history, whose = recipe.history_, "the model's training"
        if getattr(recipe, "ensemble_", 1) > 1:
            whose = "the first of the networks averaged into the model"
    else:
        best = result.completed[0].trial_id
        history, whose = result.history(best), f"the best trial ({best})"
    figure = curves_figure(history)
    if result is None:
        figure.axes[0].set_title("Learning curves")
    return (
        _image(
            figure,
            "learning curves: training and validation loss per epoch",
            f"Training and validation loss per epoch of {whose}; the dashed "
            "line marks the best validation epoch.",
        )
        + f"<p>{_e(_bias_variance(history, _trivial_loss(recipe)))}</p>"
    )


def _test_sections(recipe: Predictor, test: Table | None) -> tuple[str, str]:
    """The metrics and diagnostic plots of the held-out validation rows
    (those the recipe kept: see `Recipe.finish`) and of the test rows."""
    scores, plots = [], []
    validation = getattr(recipe, "validation_", None)
    if validation is not None:
        y, output = validation["y"], validation["output"]
        what = f"{len(y)} held-out rows: {validation['rows']}"
        scores.append(_scores(recipe, "Validation", what, y, output))
        plots.append(_plots(recipe, "Validation", y, output))
    if test is None:
        none = (
            "<p>No test data given: pass <code>test=</code> (a CSV path or "
            "DataFrame with the target column) to write_report.</p>"
        )
        scores.append(none)
        plots.append(none)
    else:
        frame, y, name = recipe._labelled(test)
        output = recipe._output(frame, name)
        what = f"{len(frame)} labelled rows of {name}"
        scores.append(_scores(recipe, "Test", what, y, output))
        plots.append(_plots(recipe, "Test", y, output))
    return "".join(scores), "".join(plots)


def _importance(recipe: Predictor, test: Table | None) -> str:
    """Permutation importance on (a seeded sample of) the test rows."""
    if test is None:
        return (
            "<p>Computed on test rows: pass <code>test=</code> to "
            "write_report.</p>"
        )
    frame, _ = read_table(test, what="report")
    if len(frame) > IMPORTANCE_ROWS:
        frame = frame.sample(IMPORTANCE_ROWS, random_state=0)
    table = recipe.importance(frame, repeats=5, seed=0)
    rows = [
        [r.column, r.importance, r.std] for r in table.itertuples(index=False)
    ]
    return _image(*diagnostics.importance_plot(table, len(frame))) + _table(
        ["column", f"importance ({table['metric'].iloc[0]})", "std"], rows
    )


def _scores(recipe, title: str, what: str, y, output) -> str:
    task, schema = recipe.task_, recipe.schema_
    model = task.score(schema, y, output)
    trivial = task.score(schema, y, task.trivial_output(recipe.prior_, len(y)))
    rows = [[k, v, trivial[k]] for k, v in model.items()]
    return f"<h3>{title}</h3><p>{_e(what)}.</p>" + _table(
        ["metric", "model", "trivial baseline"], rows
    )


def _plots(recipe, title: str, y, output) -> str:
    task, schema = recipe.task_, recipe.schema_
    predictions = task.decode(schema, output)
    found = [diagnostics.plot(task.diagnostic, schema, y, predictions)]
    if task.classifies:
        found.append(diagnostics.reliability(schema, y, predictions))
    return f"<h3>{title} rows</h3>" + "".join(
        plot if isinstance(plot, str) else _image(*plot) for plot in found
    )


# -- readings ---------------------------------------------------------------


def _trivial_loss(recipe: Predictor) -> float | None:
    """The validation loss of the trivial model, where it is known (see
    the task's `trivial_loss`; validation loss has no class weights)."""
    loss = getattr(recipe, "loss", None) or recipe.task_.losses[0]
    smoothing = recipe.hyperparameters_.get("label_smoothing", 0.0)
    return recipe.task_.trivial_loss(recipe.prior_, loss, smoothing)


def _bias_variance(history: dict, trivial: float | None) -> str:
    """A sentence reading the curves (at the best epoch) for bias/variance."""
    valid, train = history.get("val_loss") or [], history.get("loss") or []
    if not valid or not train:
        return (
            "No validation loss was recorded for this model (it was retrained "
            "on training and validation rows), so bias and variance cannot "
            "be read here."
        )
    best = int(np.argmin(valid))
    v, t = valid[best], train[best]
    text = (
        f"At the best epoch ({best + 1} of {len(valid)}) the training loss "
        f"is {t:.4g} and the validation loss {v:.4g}"
    )
    findings = []
    if trivial is None:
        scale, of = v, "the validation loss"
    else:
        scale, of = trivial, "the trivial model's loss"
        text += f" (trivial model: about {trivial:.4g})"
        if v > BIAS * trivial:
            findings.append(
                f"validation is still {v / trivial:.0%} of the trivial "
                "model's: little is learned beyond the base rate — high bias "
                "(try more capacity or epochs) or little signal in the "
                "features"
            )
    if v - t > GAP * scale:
        findings.append(
            f"validation is above training by {(v - t) / scale:.0%} of {of}: "
            "variance (overfitting) — more data or regularization (dropout, "
            "L2) may help"
        )
    if not findings:
        level = (
            ""
            if trivial is None
            else f" and at {100 * v / trivial:.2g}% of the trivial model's"
        )
        findings.append(
            f"validation is close to training{level}: no strong sign of bias "
            "or variance"
        )
    if v < t:
        findings.append(
            "validation is below training, as it is when the training loss "
            "is averaged over an epoch that still improves, or is raised by "
            "dropout and regularization (training only)"
        )
    if (valid[-1] - train[-1]) - (v - t) > WIDENING * scale:
        findings.append(
            "after it the gap between the curves widened: early stopping "
            "caught the start of overfitting"
        )
    if best + 1 == len(valid):
        findings.append(
            "the validation loss was still falling at the last epoch, so "
            "more epochs may help"
        )
    return f"{text}; {'; '.join(findings)}."


# -- HTML -------------------------------------------------------------------


def _e(value) -> str:
    return html.escape(str(value))


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(value) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    kind = ' class="num"' if number else ""
    return f"<td{kind}>{_e(_fmt(value))}</td>"


def _table(header: list, rows: list[list], first_is_best=False) -> str:
    head = "".join(f"<th>{_e(h).replace('_', '_<wbr>')}</th>" for h in header)
    body = "".join(
        ('<tr class="best">' if first_is_best and i == 0 else "<tr>")
        + "".join(_cell(v) for v in row)
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _share(part: int, whole: int) -> float:
    """`part` in percent of `whole`: one decimal, or one digit under 0.1."""
    percent = 100 * part / whole if whole else 0.0
    return round(percent, 1) if percent >= 0.1 else float(f"{percent:.1g}")


def _image(figure: Figure, alt: str, caption: str) -> str:
    """The figure as an embedded PNG with alternative text and a caption."""
    return (
        f'<figure><img src="{_png_uri(figure)}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _png_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return "data:image/png;base64," + base64.b64encode(
        buffer.getvalue()
    ).decode("ascii")
