"""recipes.report: one self-contained HTML page per run, written atomically."""

import base64
import copy
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from recipes import BinaryClassification, load, report
from recipes.cli import main
from recipes.report import write_report

SECTIONS = (
    "dataset",
    "leaderboard",
    "search",
    "curves",
    "test",
    "diagnostics",
    "importance",
)
METRICS = {
    "regression": ("rmse", "mae", "r2"),
    "binary": ("accuracy", "roc_auc", "log_loss", "f1"),
    "multiclass": ("accuracy", "log_loss", "macro_f1"),
}
DIAGNOSTIC = {
    "regression": ("residual",),
    "binary": ("ROC", "precision-recall"),
    "multiclass": ("confusion matrix",),
}
PNG = b"\x89PNG\r\n\x1a\n"
DATA_URI = "data:image/png;base64,"


def _check_page(page: str) -> None:
    """Every section is there, and nothing is fetched from elsewhere."""
    for key in SECTIONS:
        assert f'<h2 id="{key}">' in page
    lowered = page.lower()
    for outside in ("http://", "https://", "<script", "<link", "url("):
        assert outside not in lowered
    tags = re.findall(r"<img\b[^>]*>", page)
    sources = re.findall(r'<img src="([^"]*)" alt="[^"]+">', page)
    assert len(sources) == len(tags)
    for source in sources:
        assert source.startswith(DATA_URI)
        data = base64.b64decode(source[len(DATA_URI) :], validate=True)
        assert data.startswith(PNG)


def _section(page: str, key: str) -> str:
    start = page.index(f'<h2 id="{key}">')
    end = page.find("<h2 ", start + 1)
    return page[start : end if end > 0 else len(page)]


def _alts(html: str) -> list[str]:
    return re.findall(r'<img src="[^"]*" alt="([^"]+)">', html)


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_report_of_each_task_is_self_contained_with_its_diagnostic(
    task, fitted, csvs, tmp_path
):
    recipe = fitted[task]
    path = write_report(recipe, tmp_path / "report.html", test=csvs[task][1])
    assert path == tmp_path / "report.html"
    page = path.read_text()
    _check_page(page)
    diagnostics = _alts(_section(page, "diagnostics"))
    per_rows = 1 if task == "regression" else 2  # validation, then test
    assert len(diagnostics) == 2 * per_rows
    for first in (0, per_rows):
        for words in DIAGNOSTIC[task]:
            assert words in diagnostics[first]
        if task != "regression":
            assert diagnostics[first + 1].startswith("reliability plot")
    assert len(_alts(_section(page, "curves"))) == 1
    assert "not tuned" in _section(page, "leaderboard").lower()
    assert not _alts(_section(page, "search"))
    dataset = _section(page, "dataset")
    for name, column in recipe.summary_["columns"].items():
        assert f"<td>{name}</td><td>{column['kind']}</td>" in dataset
    for label in recipe.summary_["target"]:
        assert f">{label}</t" in dataset  # a header or a cell
    scores = _section(page, "test")
    assert scores.count("trivial baseline") == 2
    for metric in METRICS[task]:
        assert scores.count(f"<td>{metric}</td>") == 2
    assert "held-out rows: out-of-fold rows of the 5 folds" in scores
    importance = _section(page, "importance")
    assert _alts(importance) == [
        "bar chart of the permutation importance of each column"
    ]
    # the table lists the columns, most important first, as importance()
    ranked = recipe.importance(csvs[task][1], repeats=5, seed=0)["column"]
    cells = re.findall(r"<tr><td>([^<]+)</td>", importance)
    assert cells == list(ranked)


def test_without_test_rows_the_report_shows_the_validation_rows(
    fitted, tmp_path
):
    """Issue 19, item 2: metrics and plots of the held-out rows, labelled
    as such, when no test table is given; the same after save and load."""
    recipe = fitted["binary"]
    for shown in (recipe, load(recipe.save(tmp_path / "saved"))):
        page = write_report(shown, tmp_path / "report.html").read_text()
        scores = _section(page, "test")
        assert "<h3>Validation</h3>" in scores and "No test data" in scores
        auc = shown.validation_metrics_["roc_auc"]
        assert f'<td>roc_auc</td><td class="num">{auc:.4g}</td>' in scores
        plots = _alts(_section(page, "diagnostics"))
        assert len(plots) == 2 and "ROC" in plots[0]


def test_tuned_report_lists_every_trial_and_plots_the_scores(csvs, tmp_path):
    recipe = BinaryClassification(target="y", epochs=3).tune(
        csvs["binary"][0],
        strategy="random",
        max_trials=2,
        directory=tmp_path,
        search_space={
            "hidden_layers": [1],
            "units": [16, 32],
            "batch_size": [64],
            "learning_rate": [3e-3],
        },
        ensemble=1,
    )
    page = write_report(recipe, tmp_path / "report.html").read_text()
    _check_page(page)
    board = _section(page, "leaderboard")
    listed = re.findall(r"<tr[^>]*><td>(\w+)</td>", board)
    assert listed == [t.trial_id for t in recipe.search_.trials]
    assert len(listed) == 2
    assert '<tr class="best">' in board
    assert "units" in board
    assert "validation loss per trial" in _alts(_section(page, "search"))[0]
    best = recipe.search_.completed[0].trial_id
    assert f"the best trial ({best})" in _section(page, "curves")
    assert '<th>networks averaged</th><td class="num">1</td>' in page

    # The search directory keeps the tuned recipe: the report can be
    # rebuilt from it, even after the directory has moved.
    run = shutil.move(tmp_path / "BinaryClassification", tmp_path / "moved")
    assert load(run / "recipe").search_.trials == recipe.search_.trials
    assert main(["report", str(run)]) == 0
    rebuilt = (run / "report.html").read_text()
    assert _section(rebuilt, "leaderboard") == board.replace(
        str(tmp_path / "BinaryClassification"), str(run)
    )


def test_report_of_a_reloaded_recipe_has_every_section(fitted, tmp_path):
    recipe = load(fitted["multiclass"].save(tmp_path / "saved"))
    assert recipe.search_ is None
    page = write_report(recipe, tmp_path / "report.html").read_text()
    _check_page(page)
    assert "<td>x 2</td>" in _section(page, "dataset")
    assert len(_alts(_section(page, "curves"))) == 1
    for key in ("test", "diagnostics"):
        assert "no test data given" in _section(page, key).lower()


@pytest.mark.parametrize("failure", ["rendering", "renaming"])
def test_a_failed_write_leaves_the_old_report_alone(
    failure, fitted, csvs, tmp_path, monkeypatch
):
    path = tmp_path / "report.html"
    path.write_text("the old report")
    calls = []
    if failure == "rendering":  # the second image fails
        real = report._png_uri

        def png_uri(figure):
            calls.append(figure)
            if len(calls) > 1:
                raise OSError("disk full")
            return real(figure)

        monkeypatch.setattr(report, "_png_uri", png_uri)
    else:

        def replace(*args):
            calls.append(args)
            raise OSError("disk full")

        monkeypatch.setattr(report.os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(fitted["binary"], path, test=csvs["binary"][1])
    assert calls
    assert path.read_text() == "the old report"
    assert list(tmp_path.iterdir()) == [path]


def test_text_is_escaped_and_the_file_is_readable_as_usual(fitted, tmp_path):
    recipe = copy.copy(fitted["binary"])
    hostile = "<img src=x onerror=alert(1)>"
    recipe.summary_ = {
        **recipe.summary_,
        "columns": {hostile: {"kind": "numeric", "missing": 0}},
    }
    path = write_report(recipe, tmp_path / "report.html")
    page = path.read_text()
    assert hostile not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    plain = tmp_path / "plain.txt"
    plain.write_text("")
    assert path.stat().st_mode == plain.stat().st_mode


@pytest.mark.parametrize(
    ("losses", "trivial", "reading"),
    [
        (([0.70, 0.66, 0.65], [0.69, 0.67, 0.66]), 0.69, "high bias"),
        (([0.5, 0.2, 0.1], [0.5, 0.4, 0.45]), 0.69, "variance"),
        (([0.5, 0.31, 0.3], [0.5, 0.33, 0.32]), 0.69, "no strong sign"),
        (([0.5, 0.31, 0.3], [0.5, 0.33, 0.32]), None, "no strong sign"),
        (([0.5, 0.3, 0.2], [0.5, 0.3, 0.35]), None, "start of overfitting"),
        (([0.5, 0.4], [0.45, 0.35]), 1.0, "still falling"),
        (([0.5, 0.4], []), 1.0, "cannot be read"),
    ],
)
def test_the_curves_are_read_for_bias_and_variance(losses, trivial, reading):
    history = {"loss": losses[0], "val_loss": losses[1]}
    assert reading in report._bias_variance(history, trivial)


def test_noise_after_the_best_epoch_is_not_called_overfitting():
    history = {"loss": [0.5, 0.3, 0.29], "val_loss": [0.5, 0.3, 0.301]}
    assert "overfitting" not in report._bias_variance(history, 1.0)


def test_a_recipe_saved_without_a_summary_still_lists_its_columns(
    fitted, tmp_path
):
    recipe = copy.copy(fitted["regression"])
    recipe.summary_ = {}  # what `load` gives for an older saved recipe
    page = write_report(recipe, tmp_path / "report.html").read_text()
    _check_page(page)
    dataset = _section(page, "dataset")
    assert "No dataset summary" in dataset
    assert "<td>x 2</td><td>numeric</td>" in dataset


def test_report_command_rebuilds_the_report_of_a_saved_recipe(
    fitted, csvs, tmp_path, capsys
):
    saved = fitted["binary"].save(tmp_path / "saved")
    assert main(["report", str(saved), "--test", str(csvs["binary"][1])]) == 0
    page = (saved / "report.html").read_text()
    _check_page(page)
    assert "ROC" in page and "no test data given" not in page.lower()
    exported = fitted["binary"].export(tmp_path / "exported")
    assert main(["report", str(exported)]) == 2
    assert "nor a saved recipe (--save DIR)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "probabilities, hits, error",
    [
        ([0.1] * 10 + [0.9] * 10, [1] + [0] * 9 + [1] * 9 + [0], 0.0),
        ([0.9] * 20, [1, 0] * 10, 0.4),  # one bin: |0.5 - 0.9|
    ],
)
def test_reliability_plot_reports_the_calibration_error(
    probabilities, hits, error
):
    from recipes.diagnostics import reliability
    from recipes.schema import Schema

    schema = Schema("binary", "y", (), classes=("no", "yes"), positive=1)
    p = np.array(probabilities)
    frame = pd.DataFrame({"proba_no": 1 - p, "proba_yes": p})
    _, alt, caption = reliability(schema, np.array(hits), frame)
    assert "probability of class yes" in alt
    assert f"Expected calibration error {error:.3f}" in caption
