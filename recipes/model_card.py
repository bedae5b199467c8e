"""The model card: what a serving team needs to know without the training
code, written into every export (`assets/model_card.json` and `.md`).

`card` gathers it from a fitted recipe: task, target, classes, every
feature column with its kind and training statistics, the metrics of the
held-out validation rows (and of a test table, when given) beside the
trivial baseline, the hyperparameters, the training rows and seconds, and
the library versions. `markdown` renders it; `keras-recipes describe MODEL`
prints it.

>>> text = markdown({"recipe": "Regression", "task": "regression",
...     "target": "rings", "classes": None, "columns": [], "metrics": {},
...     "hyperparameters": {"units": 128}, "training": {"train_rows": 9},
...     "versions": {"tensorflow": "2.21.0"}, "written": "2026-12-07"})
>>> print(text.splitlines()[0])
# Model card: Regression of 'rings'
"""

from __future__ import annotations

import datetime
import importlib.metadata
import platform

JSON_NAME, MARKDOWN_NAME = "model_card.json", "model_card.md"
LIBRARIES = (
    "keras-recipes",
    "tensorflow",
    "keras",
    "keras-tuner",
    "numpy",
    "pandas",
    "scikit-learn",
)


def card(recipe, test: tuple[dict, dict, int] | None = None) -> dict:
    """The card of a fitted recipe; `test` is (metrics, trivial baseline's
    metrics, rows) of a test table, if one was scored."""
    schema, summary = recipe.schema_, recipe.summary_ or {}
    statistics = summary.get("columns", {})
    metrics = {}
    validation = getattr(recipe, "validation_", None)
    if validation is not None and recipe.validation_metrics_ is not None:
        metrics["validation"] = {
            "rows": len(validation["y"]),
            "which": validation["rows"],
            "model": recipe.validation_metrics_,
            "trivial": recipe.validation_baseline_,
        }
    if test is not None:
        model, trivial, rows = test
        metrics["test"] = {"rows": rows, "model": model, "trivial": trivial}
    return {
        "recipe": type(recipe).__name__,
        "task": schema.task,
        "target": schema.target,
        "classes": schema.class_names or None,
        "columns": [
            {
                "name": c.name,
                "serving_name": c.serving_name,
                **statistics.get(c.name, {"kind": c.kind}),
            }
            for c in schema.columns
        ],
        "metrics": metrics,
        "hyperparameters": recipe.hyperparameters_,
        "training": {
            "train_rows": summary.get("train_rows"),
            "validation_rows": summary.get("validation_rows"),
            "networks": getattr(recipe, "ensemble_", 1),
            "best_epoch": recipe.best_epoch_,
            "calibration_temperature": getattr(recipe, "temperature_", None),
            "seconds": getattr(recipe, "seconds_", None),
        },
        "versions": {"python": platform.python_version(), **_versions()},
        "written": datetime.datetime.now()
        .astimezone()
        .isoformat(" ", "seconds"),
    }


def _versions() -> dict:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def markdown(document: dict) -> str:
    """The card as Markdown: headings, then tables."""
    lines = [
        f"# Model card: {document['recipe']} of {document['target']!r}",
        "",
        f"- task: {document['task']}",
    ]
    if document.get("classes"):
        lines.append(
            f"- classes (output order): {', '.join(document['classes'])}"
        )
    lines += [f"- written: {document['written']}", ""]
    for name, scores in document["metrics"].items():
        which = f" ({scores['which']})" if "which" in scores else ""
        lines += [f"## Metrics: {name}, {scores['rows']} rows{which}", ""]
        lines += _table(
            ["metric", "model", "trivial baseline"],
            [
                [k, v, scores["trivial"].get(k)]
                for k, v in scores["model"].items()
            ],
        )
    lines += ["## Columns", ""]
    keys = ["name", "serving_name", "kind", "missing"]
    extra = sorted({k for c in document["columns"] for k in c} - set(keys))
    lines += _table(
        [*keys, *extra],
        [[c.get(k) for k in [*keys, *extra]] for c in document["columns"]],
    )
    for title, key in (
        ("Training", "training"),
        ("Hyperparameters", "hyperparameters"),
        ("Versions", "versions"),
    ):
        lines += [f"## {title}", ""]
        lines += _table(["", ""], [[k, v] for k, v in document[key].items()])
    return "\n".join(lines)


def _table(header: list, rows: list[list]) -> list[str]:
    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value).replace("|", "\\|")

    return [
        "| " + " | ".join(map(cell, header)) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(map(cell, row)) + " |" for row in rows),
        "",
    ]
