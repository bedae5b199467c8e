"""Memory of a long search: the process's RSS after each of 50 trials.

keras-tuner users report searches whose memory grows trial after trial.
This runs `Recipe.tune` (random strategy, the default search space, at most
--epochs epochs per trial) on a shipped dataset and prints the resident set
size after trials 1, 5, 10, ... and the growth from trial 5 to the last
(target: at most 300 MB).

    python benchmarks/search_memory.py [--trials 50] [--epochs 5]

Threads: TensorFlow's defaults (both cores for one job).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import tempfile
import warnings
from pathlib import Path

import psutil

from recipes import BinaryClassification

SEARCH = importlib.import_module(
    "tuning.search"
)  # `tuning.search` is the function
ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--plain-gc",
        action="store_true",
        help="without tuning's gc.freeze (keras-tuner's stock collection)",
    )
    args = parser.parse_args()
    if args.plain_gc:
        SEARCH._frozen_heap = contextlib.nullcontext
    logging.getLogger("recipes").setLevel(logging.WARNING)
    logging.getLogger("tuning").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    process, rss = psutil.Process(), []
    run_trial = SEARCH._Recorded.run_trial

    def measured(self, trial, *a, **k):
        try:
            return run_trial(self, trial, *a, **k)
        finally:
            rss.append(process.memory_info().rss / 2**20)

    SEARCH._Recorded.run_trial = measured
    with tempfile.TemporaryDirectory() as directory:
        BinaryClassification(target="Status", epochs=args.epochs).tune(
            ROOT / "data" / "credit_data" / "train.csv",
            strategy="random",
            max_trials=args.trials,
            directory=directory,
            ensemble=1,
        )
    print("trial   RSS MB")
    for i, mb in enumerate(rss, 1):
        if i in (1, len(rss)) or i % 5 == 0:
            print(f"{i:>5} {mb:>8.0f}")
    growth = rss[-1] - rss[min(4, len(rss) - 1)]
    verdict = "within" if growth <= LIMIT_MB else "over"
    print(
        f"summary: RSS grew {growth:.0f} MB from trial 5 to trial {len(rss)} "
        f"({verdict} the {LIMIT_MB} MB target); peak {max(rss):.0f} MB; "
        f"{'plain gc' if args.plain_gc else 'frozen heap'}"
    )


if __name__ == "__main__":
    main()
