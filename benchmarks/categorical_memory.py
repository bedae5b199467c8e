"""Peak memory of a fit on high-cardinality text columns.

    python benchmarks/categorical_memory.py         # quick: about 40 s, 30k
    python benchmarks/categorical_memory.py --full  # full: about 4 min, 300k

Quick: 30,000 rows. Full: 300,000 rows (issue 21's case; target: peak RSS
under 2 GiB). `--rows`, `--columns`, `--values` and `--epochs` override.

A generated table (seeded; a benchmark's input, never a dataset): `columns`
text columns of `values` distinct values each (Zipf-like frequencies, so
some values are rare), two numeric columns, and a binary target that
depends on a few of the values. `BinaryClassification().fit` runs in memory
(no streaming) with the defaults and `--epochs` epochs; the script prints
the process's peak resident set size (`ru_maxrss`) before and after the fit,
the rows, the vocabulary sizes the preprocessor kept and the seconds.

Threads: TensorFlow's defaults (both cores for one job), printed.
"""

from __future__ import annotations

import logging
import resource
import time
import warnings

import _common as common
import numpy as np
import pandas as pd

from recipes import BinaryClassification

LIMIT_GIB = 2.0
QUICK = dict(rows=30_000, epochs=2)
FULL = dict(rows=300_000, epochs=2)
OPTIONS = dict(columns=8, values=3000)


def table(rows: int, columns: int, values: int, seed: int = 0) -> pd.DataFrame:
    """`columns` text columns of `values` values, two numbers, a target."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, values + 1)  # Zipf: rare values exist
    weights /= weights.sum()
    frame, logit = {}, np.zeros(rows)
    for j in range(columns):
        codes = rng.choice(values, size=rows, p=weights)
        frame[f"c{j}"] = np.char.add(f"c{j}_", codes.astype(str))
        logit += np.where(codes % 7 == j % 7, 1.0, -0.2)
    for j in range(2):
        frame[f"x{j}"] = rng.normal(size=rows)
        logit += frame[f"x{j}"]
    frame["y"] = rng.random(rows) < 1 / (1 + np.exp(-(logit - logit.mean())))
    return pd.DataFrame(frame)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    args = common.parse(__doc__, QUICK, FULL, OPTIONS)
    quick, full = common.timings(__doc__)
    runs = f"{args.rows:,} rows x {args.columns} text columns of "
    runs += f"{args.values:,} values, {args.epochs} epochs"
    print(common.mode_line(args, f"{runs}, {quick}", f"{runs}, {full}"))
    print(common.thread_line())
    logging.getLogger("recipes").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    frame = table(args.rows, args.columns, args.values)
    print(f"peak RSS with the table in memory: {_peak_gib():.2f} GiB")
    start = time.perf_counter()
    recipe = BinaryClassification(target="y", epochs=args.epochs, seed=0)
    recipe.fit(frame, stream=False)
    seconds = time.perf_counter() - start
    lookups = [
        layer.vocabulary_size()
        for layer in recipe.model_.get_layer("preprocessor").layers
        if layer.name.startswith("lookup_")
    ]
    peak = _peak_gib()
    print(f"codes per text column (vocabulary + unseen): {lookups}")
    print(f"fit: {seconds:.1f} s; peak RSS after the fit: {peak:.2f} GiB")
    print(
        f"summary: peak RSS {peak:.2f} GiB for {args.rows:,} rows "
        f"(target < {LIMIT_GIB:g} GiB at 300,000 rows)"
    )


if __name__ == "__main__":
    main()
