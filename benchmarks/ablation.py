"""Which modelling idea helps where: the untuned recipe, one change at a time.

    python benchmarks/ablation.py          # quick: about 1 min, 2 datasets
    python benchmarks/ablation.py --full   # full: about 11 min, all 15
    python benchmarks/ablation.py --full --variants defaults robust \\
        quantile --seeds 0 1 2              # alternatives, 3 holdouts

Quick: penguins and breast_cancer. Full: every dataset of the catalog.
Both run the defaults and each of their ideas taken out (`TAKEN_OUT`),
seed 0, one network per recipe; `--datasets`, `--variants`, `--seeds`,
`--ensemble` and `--catalog` override the mode.

For each dataset of ../shared/datasets, holds out a (for classification,
stratified) 20 % of train.csv — test.csv is never read — fits the recipe
on the rest (its own validation split inside, for early stopping) and
scores the holdout with the catalog's primary metric (`--log-loss`: the
classification sets by their log-loss instead). Each variant changes
the task's defaults (`Recipe.network_defaults`): one of their ideas taken
out, or an alternative added; a variant that would train the same model
as the defaults on a dataset is skipped there. The table prints every
score, and its last row each variant's mean gain over the defaults in %
(positive = better).

Threads: TensorFlow's defaults (both cores for one job), printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import warnings

import _common as common
import pandas as pd
from sklearn.model_selection import train_test_split

from recipes import BinaryClassification, MulticlassClassification, Regression
from recipes.schema import is_date_column

RECIPES = {
    "regression": Regression,
    "binary": BinaryClassification,
    "multiclass": MulticlassClassification,
}
PRIMARY = {"regression": "rmse", "binary": "roc_auc", "multiclass": "accuracy"}
# name: recipe arguments changed from the task's defaults (network values
# are merged over `Recipe.network_defaults`, so "none"/False/0 remove one)
PLAIN = {
    "numeric_embedding": "none",
    "categorical_embedding": False,
    "label_smoothing": 0.0,
}
VARIANTS = {
    "defaults": {},
    # each idea the defaults use, taken out
    "plain_mlp": {"hyperparameters": PLAIN},
    "no_periodic": {"hyperparameters": {"numeric_embedding": "none"}},
    "no_categorical": {"hyperparameters": {"categorical_embedding": False}},
    "no_smoothing": {"hyperparameters": {"label_smoothing": 0.0}},
    # what the defaults leave out, added
    "with_periodic": {"hyperparameters": {"numeric_embedding": "periodic"}},
    "with_smoothing": {"hyperparameters": {"label_smoothing": 0.1}},
    "robust": {"normalization": "robust"},
    "quantile": {"normalization": "quantile"},
    "cosine": {"hyperparameters": {"lr_decay": "cosine"}},
    "dropout_0.1": {"hyperparameters": {"dropout": 0.1}},
    "batch_norm": {"hyperparameters": {"normalization": "batch"}},
    "batch_128": {"hyperparameters": {"batch_size": 128}},
    "units_256": {"hyperparameters": {"units": 256}},
    "layers_3": {"hyperparameters": {"hidden_layers": 3}},
    "l2_1e-4": {"hyperparameters": {"l2": 1e-4}},
    "patience_20": {"patience": 20},
    # regression only
    "log_target": {"target_transform": "log1p"},
    "raw_target": {"target_transform": "none"},
}
REGRESSION_ONLY = {"log_target", "raw_target"}
VARIANTS["auto_class_weight"] = {"class_weight": "auto"}
VARIANTS["balanced"] = {"class_weight": "balanced"}
CLASSIFICATION_ONLY = {"auto_class_weight", "balanced"}
# one network of k members, or k fold networks (the defaults have
# `--ensemble` networks of seeds, on one validation split)
VARIANTS["tabm"] = {"hyperparameters": {"architecture": "tabm"}, "ensemble": 1}
VARIANTS["tabm_mini"] = {
    "hyperparameters": {"architecture": "tabm_mini"},
    "ensemble": 1,
}
VARIANTS["folds_5"] = {"folds": 5}
VARIANTS["no_calibration"] = {"calibration": None}
CLASSIFICATION_ONLY.add("no_calibration")
# dates as text categories, not calendar features: the date columns of the
# table are read as text that no ISO pattern matches (their values
# prefixed), so the schema keeps them categorical
VARIANTS["dates_as_text"] = {}
# the anchors' optimizer and regularization (TabM: AdamW, weight decay 3e-4)
VARIANTS["weight_decay_3e-4"] = {"hyperparameters": {"weight_decay": 3e-4}}
VARIANTS["weight_decay_1e-3"] = {"hyperparameters": {"weight_decay": 1e-3}}
VARIANTS["sigma_0.01"] = {"hyperparameters": {"periodic_sigma": 0.01}}
VARIANTS["sigma_1"] = {"hyperparameters": {"periodic_sigma": 1.0}}
TAKEN_OUT = [
    "defaults",
    "plain_mlp",
    "no_periodic",
    "no_categorical",
    "no_smoothing",
]
QUICK = dict(datasets=["penguins", "breast_cancer"])
FULL = dict(datasets=["all"])
# ensemble: networks per recipe; --variants (default TAKEN_OUT) below
# log_loss: score classification sets by log-loss instead (calibration)
OPTIONS = dict(seeds=[0], ensemble=1, catalog=common.DATASETS, log_loss=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=VARIANTS,
        default=TAKEN_OUT,
        help="default: the defaults and each of their ideas taken out",
    )
    args = common.parse(__doc__, QUICK, FULL, OPTIONS, parser)
    runs = (
        f"{', '.join(args.datasets)} dataset(s) x {len(args.variants)} "
        f"variants x {len(args.seeds)} seed(s)"
    )
    quick, full = common.timings(__doc__)
    print(common.mode_line(args, f"{runs}, {quick}", f"{runs}, {full}"))
    print(common.thread_line())
    logging.getLogger("recipes").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    catalog = json.loads((args.catalog / "catalog.json").read_text())
    scores, seconds = {}, {}
    for name, entry in catalog["datasets"].items():
        if "all" not in args.datasets and name not in args.datasets:
            continue
        frame = pd.read_csv(args.catalog / name / entry["files"]["train"])
        for variant in args.variants:
            values, start = [], time.perf_counter()
            for seed in args.seeds:
                values.append(_score(args, frame, entry, variant, seed))
            if values[0] is None:
                continue
            scores[name, variant] = sum(values) / len(values)
            seconds[name, variant] = (time.perf_counter() - start) / len(values)
            print(
                f"{name:20s} {variant:22s} {scores[name, variant]:.4f} "
                f"{seconds[name, variant]:6.1f} s",
                flush=True,
            )
    print()
    print(_table(catalog, scores, args.variants, args.log_loss).to_string())
    print(
        f"summary: gain over defaults (%, + = better), seeds {args.seeds}, "
        f"ensemble {args.ensemble}; {sum(seconds.values()):.0f} s in all"
    )


def _score(args, frame: pd.DataFrame, entry: dict, variant: str, seed: int):
    task = entry["task"]
    if variant in REGRESSION_ONLY and task != "regression":
        return None
    if task == "regression" and (
        variant in CLASSIFICATION_ONLY or args.log_loss
    ):
        return None
    if variant == "dates_as_text":
        dates = [c for c in frame.columns[:-1] if is_date_column(frame[c])]
        if not dates:
            return None
        frame = frame.assign(**{c: "day " + frame[c] for c in dates})
    settings = dict(VARIANTS[variant])
    recipe_class = RECIPES[task]
    hp = {
        **recipe_class.network_defaults,
        **settings.pop("hyperparameters", {}),
    }
    if task == "regression":
        hp.pop("label_smoothing", None)  # classification only
    defaults = recipe_class.network_defaults
    changed = {k for k in {*hp, *defaults} if hp.get(k) != defaults.get(k)}
    if not entry["n_categorical"]:
        changed.discard("categorical_embedding")
    if not entry["n_numeric"]:
        changed.discard("numeric_embedding")
    if variant not in ("defaults", "dates_as_text") and not (
        settings or changed
    ):
        return None  # the same model as the defaults
    target = entry["target"]
    fit, holdout = train_test_split(
        frame,
        test_size=0.2,
        random_state=seed,
        stratify=None if task == "regression" else frame[target],
    )
    settings = {"ensemble": args.ensemble, "folds": 1, **settings}
    recipe = recipe_class(
        target=target, seed=seed, hyperparameters=hp, **settings
    )
    metric = "log_loss" if args.log_loss else PRIMARY[task]
    return recipe.fit(fit).evaluate(holdout)[metric]


def _table(
    catalog: dict, scores: dict, variants: list[str], log_loss: bool
) -> pd.DataFrame:
    """Scores (datasets x variants), and each variant's mean gain in %."""
    names = sorted(
        {name for name, _ in scores}, key=list(catalog["datasets"]).index
    )
    table = pd.DataFrame(
        [[scores.get((n, v)) for v in variants] for n in names],
        index=names,
        columns=variants,
    )
    gains = {}
    for variant in variants:
        changes = []
        for name in names:
            base, ours = (
                scores.get((name, "defaults")),
                scores.get((name, variant)),
            )
            if base is None or ours is None:
                continue
            task = catalog["datasets"][name]["task"]
            sign = -1 if task == "regression" or log_loss else 1
            changes.append(100 * sign * (ours - base) / abs(base))
        gains[variant] = sum(changes) / len(changes) if changes else None
    table.loc["mean gain %"] = gains
    return table.round(4)


if __name__ == "__main__":
    main()
