"""What to do after a search: refit or not, one model or an ensemble.

For each shipped dataset, holds out a stratified 20 % of `train.csv`
(test.csv is not touched), runs one random search on the rest, then builds
every variant from the same search (a search that has finished resumes
without running a trial): the best trial refitted on train + validation,
the best trial's own weights, and the top-k trials averaged, refitted or
not. Prints the held-out metrics of each, and the untuned recipe's.

    python benchmarks/ensemble.py [--trials 12] [--epochs 100]

Threads: TensorFlow's defaults (both cores for one job).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from recipes import BinaryClassification, MulticlassClassification, Regression

ROOT = Path(__file__).resolve().parent.parent
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    args = parser.parse_args()
    logging.getLogger("recipes").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    rows = []
    for name in args.datasets:
        rows += _dataset(name, args.trials, args.epochs)
        print(_format(pd.DataFrame(rows[-len(VARIANTS) - 1 :])), flush=True)
    table = pd.DataFrame(rows)
    print(_format(table))
    wins = _wins(table)
    print(
        f"summary: {args.trials} random trials per dataset; "
        + "; ".join(f"{k} best on {v}" for k, v in wins.items())
    )


def _dataset(name: str, trials: int, epochs: int) -> list[dict]:
    recipe_class, target, metric, _ = DATASETS[name]
    frame = pd.read_csv(ROOT / "data" / name / "train.csv")
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
