"""Distributed training throughput: 1 worker vs 2 workers on this machine.

    python benchmarks/distributed.py          # quick: about 30 s
    python benchmarks/distributed.py --full   # full: about 3 min

Quick: 20,000 rows, 2 epochs, 1 run of each set-up. Full: 50,000 rows,
3 epochs, median of 3 runs. `--rows`, `--epochs`, `--repeats`, `--units`
and `--threads` override the mode (e.g. `--full --rows 200000 --units
512`).

Generates a binary-classification table (`--rows`, 20 numeric columns),
then trains `BinaryClassification` for `--epochs` epochs (no early stop)
through `recipes.distributed` (MultiWorkerMirroredStrategy, our own loop):

- 1 worker process with `--threads` TensorFlow threads (default 2);
- 2 worker processes on localhost with `--threads // 2` threads each, so
  that both set-ups use this machine's 2 cores.

Each worker times its own `fit` (start-up excluded); the figure is training
rows per second of the slowest worker, median of `--repeats` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as common
import numpy as np
import pandas as pd

QUICK = dict(rows=20_000, epochs=2, repeats=1)
FULL = dict(rows=50_000, epochs=3, repeats=3)
OPTIONS = dict(units=128, threads=2)
PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--child", help=argparse.SUPPRESS)


def child(path: str, epochs: int, threads: int, units: int) -> None:
    common.pin_threads(threads, threads)
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    from recipes import BinaryClassification

    recipe = BinaryClassification(
        target="y",
        epochs=epochs,
        patience=epochs,
        ensemble=1,
        hyperparameters={"units": units},
    )
    started = time.perf_counter()
    recipe.fit(path, strategy=strategy)
    seconds = time.perf_counter() - started
    rows = recipe.summary_["train_rows"]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": rows * epochs,
                "threads": common.thread_line(),
            }
        )
    )


def run(path: Path, workers: int, args) -> tuple[float, str]:
    """Training rows per second of the slowest of `workers` processes, and
    the thread settings of the first."""
    ports = []
    for _ in range(workers):
        with socket.socket() as s:
            s.bind(("localhost", 0))
            ports.append(s.getsockname()[1])
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    procs = []
    for index in range(workers):
        config = {
            "cluster": cluster,
            "task": {"type": "worker", "index": index},
        }
        env = {
            **os.environ,
            "TF_CONFIG": json.dumps(config),
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        command = [sys.executable, __file__, "--child", str(path)]
        command += ["--epochs", str(args.epochs), "--units", str(args.units)]
        command += ["--threads", str(max(1, args.threads // workers))]
        procs.append(
            subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
        )
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=1800)
        if proc.returncode:
            sys.exit(err[-3000:])
        results.append(json.loads(out.strip().splitlines()[-1]))
    slowest = max(r["seconds"] for r in results)
    return results[0]["rows"] / slowest, results[0]["threads"]


def main() -> None:
    args = common.parse(__doc__, QUICK, FULL, OPTIONS, PARSER)
    if args.child:
        child(args.child, args.epochs, args.threads, args.units)
        return
    runs = f"{args.rows:,} rows, {args.epochs} epochs, {args.repeats} run(s)"
    quick, full = common.timings(__doc__)
    print(common.mode_line(args, f"{runs}, {quick}", f"{runs}, {full}"))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.rows, 20))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(20)])
    frame["y"] = np.where(
        x[:, :5].sum(axis=1) + rng.normal(size=args.rows) > 0, "a", "b"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.csv"
        frame.to_csv(path, index=False)
        speeds, threads = {1: [], 2: []}, {}
        for _ in range(args.repeats):
            for workers in (1, 2):
                speed, threads[workers] = run(path, workers, args)
                speeds[workers].append(speed)
    one, two = (statistics.median(speeds[w]) for w in (1, 2))
    print(
        f"threads: {args.threads} TensorFlow threads in all "
        f"(1 worker: {args.threads}; 2 workers: "
        f"{max(1, args.threads // 2)} each)"
    )
    for workers, text in threads.items():
        print(f"{workers} worker(s), the first's {text}")
    print(
        f"rows {args.rows}, epochs {args.epochs}, units {args.units}, "
        f"median of {args.repeats}"
    )
    print(f"{'workers':>7} {'rows/s':>10}")
    print(f"{1:>7} {one:>10,.0f}")
    print(f"{2:>7} {two:>10,.0f}")
    print(
        f"summary: 2 workers train at {two / one:.2f}x the speed of 1 "
        "on this machine"
    )


if __name__ == "__main__":
    main()
