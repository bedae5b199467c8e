"""What to do after a search: refit or not, one model or an ensemble.

    python benchmarks/ensemble.py          # quick: about 55 s, penguins
    python benchmarks/ensemble.py --full   # full: about 12 min, 3 datasets

Quick: penguins, 5 random trials of at most 20 epochs. Full: penguins,
credit_data and abalone, 12 trials of at most 100 epochs. `--datasets`,
`--trials` and `--epochs` override the mode.

For each shipped dataset, holds out a stratified 20 % of `train.csv`
(test.csv is not touched), runs one random search on the rest, then builds
every variant from the same search (a search that has finished resumes
without running a trial): the best trial refitted on train + validation,
the best trial's own weights, and the top-k trials averaged, refitted or
not. Prints the held-out metrics of each, and the untuned recipe's.

Threads: TensorFlow's defaults (both cores for one job), printed.
"""

from __future__ import annotations

import logging
import tempfile
import time
import warnings

import _common as common
import pandas as pd
from sklearn.model_selection import train_test_split

from recipes import BinaryClassification, MulticlassClassification, Regression

DATASETS = {  # name: (recipe, target, metric, higher is better)
    "penguins": (MulticlassClassification, "species", "log_loss", False),
    "credit_data": (BinaryClassification, "Status", "log_loss", False),
    "abalone": (Regression, "rings", "rmse", False),
}
SECOND = {"penguins": "accuracy", "credit_data": "roc_auc", "abalone": "r2"}
VARIANTS = {  # name: (refit, ensemble)
    "best, refitted": (True, 1),
    "best, own weights": (False, 1),
    "top-3, own weights": (False, 3),
    "top-3, refitted": (True, 3),
    "top-5, own weights": (False, 5),
}
QUICK = dict(datasets=["penguins"], trials=5, epochs=20)
FULL = dict(datasets=list(DATASETS), trials=12, epochs=100)


def main() -> None:
    args = common.parse(__doc__, QUICK, FULL)
    runs = (
        f"{', '.join(args.datasets)}: {args.trials} trials of at most "
        f"{args.epochs} epochs"
    )
    quick, full = common.timings(__doc__)
    print(common.mode_line(args, f"{runs}, {quick}", f"{runs}, {full}"))
    print(common.thread_line())
    logging.getLogger("recipes").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    rows = []
    for name in args.datasets:
        rows += _dataset(name, args.trials, args.epochs)
        print(_format(pd.DataFrame(rows[-len(VARIANTS) - 1 :])), flush=True)
    table = pd.DataFrame(rows)
    if len(args.datasets) > 1:
        print(_format(table))
    wins = _wins(table)
    print(
        f"summary: {args.trials} random trials per dataset; "
        + "; ".join(f"{k} best on {v}" for k, v in wins.items())
    )


def _dataset(name: str, trials: int, epochs: int) -> list[dict]:
    recipe_class, target, metric, _ = DATASETS[name]
    frame = pd.read_csv(common.DATA / name / "train.csv")
    stratify = None if recipe_class is Regression else frame[target]
    train, holdout = train_test_split(
        frame, test_size=0.2, random_state=0, stratify=stratify
    )
    rows = []

    def row(variant: str, recipe, seconds: float) -> None:
        scores = recipe.evaluate(holdout)
        rows.append(
            {
                "dataset": name,
                "variant": variant,
                metric: scores[metric],
                SECOND[name]: scores[SECOND[name]],
                "seconds": seconds,
            }
        )

    start = time.perf_counter()
    untuned = recipe_class(target=target, epochs=epochs).fit(train)
    row("untuned defaults", untuned, time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as directory:
        for variant, (refit, ensemble) in VARIANTS.items():
            start = time.perf_counter()
            recipe = recipe_class(target=target, epochs=epochs).tune(
                train,
                strategy="random",
                max_trials=trials,
                directory=directory,
                refit=refit,
                ensemble=ensemble,
            )
            row(variant, recipe, time.perf_counter() - start)
    return rows


def _format(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda v: f"{v:.4f}")


def _wins(table: pd.DataFrame) -> dict[str, int]:
    wins: dict[str, int] = {}
    for name, group in table.groupby("dataset", sort=False):
        metric = DATASETS[name][2]
        best = group.loc[group[metric].idxmin(), "variant"]
        wins[best] = wins.get(best, 0) + 1
    return {k: f"{v} dataset(s)" for k, v in wins.items()}


if __name__ == "__main__":
    main()
