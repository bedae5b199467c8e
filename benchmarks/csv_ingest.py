"""CSV ingest: reading + schema inference of a big CSV vs pandas.read_csv.

    python benchmarks/csv_ingest.py          # quick: about 20 s, 200,000 rows
    python benchmarks/csv_ingest.py --full   # full: about 40 s, 1,000,000 rows

Quick: 200,000 rows, 2 repeats, the re-parse check on 5,000 rows. Full:
1,000,000 rows (the requirement's size), 3 repeats, 20,000 rows.
`--rows`, `--repeats`, `--check-rows` and `--no-tensorflow` (skip step 3)
override the mode.

The requirement: reading and schema inference of a 1,000,000-row x
25-column CSV cost at most 1.5x `pandas.read_csv` alone on the same file,
and the training pipeline never re-parses text each epoch.

1. Generates (NumPy, seed 0, written by pyarrow; timed apart) a --rows x 25
   CSV in a temporary directory: 18 float columns (4 decimals; 6 of them
   with 5 % empty cells), 2 integer columns, 4 text categorical columns (3,
   5, 12 and 40 values; the last with 2 % empty cells) and the binary text
   target `status` ("good"/"bad"). About 180 MB for a million rows.
2. Reads the file once to warm the page cache (it cannot be dropped here),
   then --repeats times, the order reversed on every other repeat:
   - `pandas.read_csv(path)`: the C engine, pandas' default; the baseline;
   - `pandas.read_csv(path, engine="pyarrow")`, for information;
   - read + schema inference, what the target names: `read_table` (the
     pyarrow engine and the file checks of recipes/reading.py),
     `drop_missing_target` and `infer_schema` (recipes/schema.py);
   - `recipes.dataset.load_dataset(path, target="status", task="binary")`:
     everything a recipe does before TensorFlow, i.e. until the training
     data is in memory: the above, the target's encoding and the
     stratified train/validation split with its row copies.
   Medians are printed; the target is read + schema inference / pandas.
   read_csv (C engine) <= 1.5; load_dataset's ratio is printed beside it.
   One more load_dataset run, not in the medians, times its steps (wrapped
   functions) to show where the time goes.
3. "preprocess once": `Recipe.prepare` on that loaded dataset (median of
   --repeats), the step that turns the text table into what the network
   trains on. Why epochs never re-parse text: `prepare` runs the Keras
   preprocessor (imputation, normalization, `StringLookup` one-hot) once
   over the training and the validation rows, into float32 NumPy matrices
   (`Prepared.x_train`, `x_valid`); `Recipe.train` hands those matrices to
   `model.fit`, so an epoch only slices floats. The script checks it:
   `fit` on the first --check-rows rows (written to a small CSV) for 1 and
   for 3 epochs counts the CSV reads (`pandas.read_csv`), the conversions of
   table columns to model inputs (`to_inputs`) and the model runs over a
   table (`recipes.inference.batched`: the preprocessor): the counts must
   not grow with the epochs, and the arrays `keras.Model.fit` receives must
   be float NumPy matrices.

Threads: pandas' C engine parses on one thread; the pyarrow engine, which
recipes/reading.py uses, parses on pyarrow's CPU pool (printed; the
machine's cores by default). TensorFlow (step 3 only, imported after the
timings of step 2) keeps its defaults, both cores for one job (printed).
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import _common as common
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from _common import watch_fit

from recipes import dataset as dataset_module
from recipes import reading, schema, tasks

TARGET = "status"
LIMIT = 1.5
SEED = 0
QUICK = dict(rows=200_000, repeats=2, check_rows=5_000)
FULL = dict(rows=1_000_000, repeats=3, check_rows=20_000)
OPTIONS = dict(no_tensorflow=False)  # skip step 3 (prepare, re-parse check)


def generate(path: Path, rows: int, seed: int = SEED) -> None:
    """Writes the benchmark's CSV: 24 feature columns and the target."""
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for i in range(18):
        x = rng.normal(i - 9.0, 1.0 + i, rows).round(4)
        if i % 3 == 0:  # 6 columns with empty cells
            x[rng.random(rows) < 0.05] = np.nan
        columns[f"num_{i:02d}"] = x
    columns["age"] = rng.integers(18, 90, rows)
    columns["visits"] = rng.poisson(3.0, rows)
    for i, size in enumerate((3, 5, 12, 40)):
        labels = np.array([f"c{i}_{j}" for j in range(size)], dtype=object)
        values = labels[rng.integers(0, size, rows)]
        if size == 40:
            values[rng.random(rows) < 0.02] = None
        columns[f"cat_{i}"] = values
    logit = columns["num_01"] / 4 - columns["visits"] / 2 + 1.0
    good = rng.random(rows) < 1 / (1 + np.exp(-logit))
    columns[TARGET] = np.where(good, "good", "bad").astype(object)
    table = pa.table(
        {k: pa.array(v, from_pandas=True) for k, v in columns.items()}
    )  # from_pandas: NaN and None become empty cells
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def warm(path: Path) -> None:
    with open(path, "rb") as file:
        while file.read(1 << 24):
            pass


def timed(function) -> float:
    gc.collect()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    del result
    return seconds


@contextlib.contextmanager
def wrapped(owner, name: str, on_call):
    """Replaces owner.name by a wrapper calling on_call(seconds, args)."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            on_call(time.perf_counter() - start, args)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def load(path: Path):
    return dataset_module.load_dataset(path, target=TARGET, task="binary")


def read_and_infer(path: Path):
    frame, name = reading.read_table(path, what="train")
    frame = tasks.drop_missing_target(frame, TARGET, name)
    return schema.infer_schema(frame, TARGET, "binary", name=name)


def steps_of_load(path: Path) -> list[tuple[str, float]]:
    """One load_dataset run with its steps timed (nested steps indented)."""
    spent: dict[str, float] = {}

    def add(label):
        return lambda s, _: spent.__setitem__(label, spent.get(label, 0) + s)

    steps = [
        (dataset_module, "read_table", "read_table (reading.py)"),
        (tasks, "drop_missing_target", "drop_missing_target"),
        (dataset_module, "infer_schema", "infer_schema (schema.py)"),
        (schema, "_reason_to_drop", "  _reason_to_drop"),
        (schema, "_oddities", "  _oddities"),
        (tasks, "sorted_labels", "sorted_labels"),
        (tasks.Task, "encode", "encode target (Task.encode)"),
        (dataset_module, "split_indices", "split_indices"),
    ]
    with contextlib.ExitStack() as stack:
        for owner, name, label in steps:
            stack.enter_context(wrapped(owner, name, add(label)))
        total = timed(lambda: load(path))
    rows = [(label, spent.get(label, 0.0)) for _, _, label in steps]
    top = sum(s for label, s in rows if not label.startswith(" "))
    rows.append(("rest (row selection of the split, ...)", total - top))
    rows.append(("total", total))
    return rows


def count_text_handling(small: Path, epochs: int) -> dict:
    """One fit of `epochs` epochs, counting what touches the text table:
    CSV reads, table -> model inputs (`to_inputs`) and model runs over a
    table (`recipes.inference.batched`: the preprocessor), in every recipes
    module that calls them; and what `keras.Model.fit` gets."""
    from recipes import inference, preprocessing
    from recipes.recipe import BinaryClassification

    counts = {"read_csv": 0, "to_inputs": 0, "batched": 0}
    originals = {"to_inputs": preprocessing.to_inputs}
    originals["batched"] = inference.batched

    def count(name):
        return lambda _s, _a: counts.__setitem__(name, counts[name] + 1)

    with contextlib.ExitStack() as stack:
        stack.enter_context(wrapped(pd, "read_csv", count("read_csv")))
        for module in [
            m for n, m in sys.modules.items() if n[:8] == "recipes."
        ]:
            for name, function in originals.items():
                if getattr(module, name, None) is function:
                    stack.enter_context(wrapped(module, name, count(name)))
        fits = stack.enter_context(watch_fit())
        recipe = BinaryClassification(
            target=TARGET, ensemble=1, seed=SEED, patience=epochs + 1
        )
        recipe.fit(small, epochs=epochs)
    inputs = [f"{type(f.x).__name__} {f.x.dtype} {f.x.shape}" for f in fits]
    trained = len(recipe.history_["loss"])
    return dict(epochs=trained, inputs=inputs, **counts)


def main() -> None:
    args = common.parse(__doc__, QUICK, FULL, OPTIONS)
    if args.rows < 1000 or args.repeats < 1 or args.check_rows < 100:
        raise SystemExit(
            "need --rows >= 1000, --repeats >= 1, --check-rows >= 100"
        )
    runs = f"{args.rows:,} rows, {args.repeats} repeat(s)"
    quick, full = common.timings(__doc__)
    print(common.mode_line(args, f"{runs}, {quick}", f"{runs}, {full}"))
    warnings.simplefilter("ignore")

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="csv_ingest_") as tmp:
        path = Path(tmp) / "data.csv"
        generation = timed(lambda: generate(path, args.rows))
        megabytes = path.stat().st_size / 1e6
        warm(path)
        timed(lambda: load(path))  # imports sklearn etc. before the timings
        columns = len(pd.read_csv(path, nrows=5).columns)

        runs = {
            "pandas.read_csv (C engine)": lambda: pd.read_csv(path),
            "pandas.read_csv (pyarrow)": lambda: pd.read_csv(
                path, engine="pyarrow"
            ),
            "read + schema inference (recipes)": lambda: read_and_infer(path),
            "load_dataset (recipes)": lambda: load(path),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for repeat in range(args.repeats):
            order = list(runs) if repeat % 2 == 0 else list(runs)[::-1]
            for name in order:
                times[name].append(timed(runs[name]))
        median = {name: statistics.median(t) for name, t in times.items()}
        baseline = median["pandas.read_csv (C engine)"]
        ours = median["read + schema inference (recipes)"]
        ratio = ours / baseline
        loaded = median["load_dataset (recipes)"]
        steps = steps_of_load(path)

        print(
            f"CSV: {args.rows:,} rows x {columns} columns, {megabytes:.0f} MB;"
            f" generated in {generation:.1f} s (not counted)"
        )
        print(
            f"threads: pandas C engine 1, pyarrow pool {pa.cpu_count()} "
            f"(io {pa.io_thread_count()}); {os.cpu_count()} CPUs, load "
            f"average {os.getloadavg()[0]:.2f}; medians of {args.repeats}"
        )
        print(f"\n{'step':<40} {'seconds':>8} {'x read_csv':>10}  runs")
        for name, t in times.items():
            runs_text = " ".join(f"{s:.2f}" for s in t)
            print(
                f"{name:<40} {median[name]:>8.2f} "
                f"{median[name] / baseline:>10.2f}  {runs_text}"
            )
        print("\nload_dataset, one run by step:")
        for label, seconds in steps:
            print(f"  {label:<38} {seconds:>8.2f} {seconds / baseline:>10.2f}")

        reparse_text = ""
        if not args.no_tensorflow:
            prepare_times, checks = tensorflow_part(path, args, Path(tmp))
            prepare = statistics.median(prepare_times)
            runs_text = " ".join(f"{s:.2f}" for s in prepare_times)
            print(
                f"\n{'preprocess once (Recipe.prepare)':<40} {prepare:>8.2f}"
                f" {prepare / baseline:>10.2f}  {runs_text}"
            )
            print(f"\nfit on {args.check_rows:,} rows: text handling counted")
            print("epochs  read_csv  to_inputs   batched  model.fit gets")
            for c in checks:
                print(
                    f"{c['epochs']:>6} {c['read_csv']:>9} {c['to_inputs']:>10}"
                    f" {c['batched']:>9}  {'; '.join(c['inputs'])}"
                )
            keys = ("read_csv", "to_inputs", "batched")
            same = all(checks[0][k] == checks[1][k] for k in keys)
            floats = all(
                i.startswith("ndarray float")
                for c in checks
                for i in c["inputs"]
            )
            reparse_text = (
                f"; prepare {prepare:.1f} s once; epochs "
                + (
                    "never re-parse text"
                    if same and floats
                    else "RE-PARSE text (counts grow with epochs)"
                )
                + f" ({checks[1]['read_csv']} read_csv for "
                f"{checks[1]['epochs']} epochs)"
            )
        verdict = "meets" if ratio <= LIMIT else "misses"
        print(
            f"\nsummary: read + schema inference {ours:.2f} s = {ratio:.2f}x "
            f"pandas.read_csv {baseline:.2f} s on {args.rows:,} x {columns} "
            f"({verdict} the <= {LIMIT}x target); with the split, "
            f"load_dataset {loaded / baseline:.2f}x{reparse_text}; "
            f"whole run {time.perf_counter() - began:.0f} s"
        )


def tensorflow_part(path: Path, args, directory: Path):
    """Recipe.prepare timings and the 1- vs 3-epoch counts."""
    from recipes.recipe import BinaryClassification

    print(f"\nTensorFlow {common.thread_line()}")
    data = load(path)
    recipe = BinaryClassification(target=TARGET, seed=SEED)
    times = [timed(lambda: recipe.prepare(data)) for _ in range(args.repeats)]
    data = None
    gc.collect()
    small = directory / "small.csv"
    pd.read_csv(path, nrows=args.check_rows).to_csv(small, index=False)
    checks = [count_text_handling(small, epochs) for epochs in (1, 3)]
    return times, checks


if __name__ == "__main__":
    main()
