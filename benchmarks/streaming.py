"""Training on a CSV larger than memory: one streamed epoch, its time and RSS.

    python benchmarks/streaming.py          # quick: about 20 s, 0.05 GB
    python benchmarks/streaming.py --full   # full: about 1 min, 0.5 GB

Quick: a 0.05 GB CSV. Full: 0.5 GB; the target is `--full --gigabytes 4`
(one epoch of 4 GB in under 2 GB of RSS). `--gigabytes`, `--epochs`,
`--threads` and `--directory` override the mode.

Generates a CSV of `--gigabytes` — 20 numeric columns (two with 5 % missing
cells), 4 text columns and a binary target that depends on both — then, in
a fresh child process, fits `BinaryClassification` on it with `stream=True`
for `--epochs` epochs: one scan (validation rows, the statistics' sample,
the row count), then each epoch reads the file again block by block. The
child's peak RSS comes from `resource.getrusage` (RUSAGE_CHILDREN, the
kernel's own high-water mark).

Threads: TensorFlow gets `--threads` intra-op and inter-op threads (default
2, this machine's cores), printed by the child; pyarrow's CSV reader uses
its own pool of as many threads as cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as common
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

QUICK = dict(gigabytes=0.05)
FULL = dict(gigabytes=0.5)
OPTIONS = dict(epochs=1, threads=2, directory="")  # "": the system's temp
PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--child", help=argparse.SUPPRESS)
CHUNK_ROWS = 500_000  # per write from 0.5 GB up; fewer below
TEXT = np.array([f"level_{i}" for i in range(12)])


def generate(path: Path, gigabytes: float, seed: int = 0) -> int:
    """Writes the CSV in chunks until it reaches `gigabytes`; returns rows."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=20)
    rows, target = 0, gigabytes * 1e9
    size = max(10_000, min(CHUNK_ROWS, round(CHUNK_ROWS * gigabytes / 0.5)))
    with pa_csv.CSVWriter(path, _schema()) as writer:
        while path.stat().st_size < target:
            writer.write_table(_chunk(rng, weights, size))
            rows += size
    return rows


def _schema() -> pa.Schema:
    fields = [pa.field(f"x{i}", pa.float32()) for i in range(20)]
    fields += [pa.field(f"c{i}", pa.string()) for i in range(4)]
    return pa.schema([*fields, pa.field("y", pa.string())])


def _chunk(rng, weights, rows: int) -> pa.Table:
    x = rng.normal(size=(rows, 20)).astype(np.float32)
    codes = rng.integers(0, len(TEXT), size=(rows, 4))
    logit = x @ weights / 3 + (codes[:, 0] % 3 == 0) - 0.5
    y = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    columns = {}
    for i in range(20):
        values = pa.array(x[:, i])
        if i < 2:  # 5 % missing
            values = pa.array(x[:, i], mask=rng.random(rows) < 0.05)
        columns[f"x{i}"] = values
    for i in range(4):
        columns[f"c{i}"] = pa.array(TEXT[codes[:, i]])
    columns["y"] = pa.array(y)
    return pa.table(columns, schema=_schema())


def train(path: str, epochs: int, threads: int) -> dict:
    """The child: scan, then fit with stream=True; returns its figures."""
    common.pin_threads(threads, threads)
    from recipes import BinaryClassification, streaming

    started = time.perf_counter()
    data = streaming.scan(path, target="y", task="binary")
    scanned = time.perf_counter()
    recipe = BinaryClassification(
        target="y", epochs=epochs, patience=epochs, ensemble=1
    )
    recipe.fit(data)
    trained = time.perf_counter()
    return {
        "rows": data.stream.rows + len(data.valid),
        "training_rows": data.stream.rows,
        "sample_rows": len(data.train),
        "validation_rows": len(data.valid),
        "scan_seconds": scanned - started,
        "epoch_seconds": (trained - scanned) / epochs,
        "val_loss": min(recipe.history_["val_loss"]),
        "threads": common.thread_line(),
    }


def main() -> None:
    args = common.parse(__doc__, QUICK, FULL, OPTIONS, PARSER)
    if args.child:
        print(json.dumps(train(args.child, args.epochs, args.threads)))
        return
    what = f"a {args.gigabytes:g} GB CSV, {args.epochs} epoch(s)"
    quick, full = common.timings(__doc__)
    print(common.mode_line(args, f"{what}, {quick}", f"{what}, {full}"))
    with tempfile.TemporaryDirectory(dir=args.directory or None) as folder:
        path = Path(folder) / "big.csv"
        started = time.perf_counter()
        generate(path, args.gigabytes)
        written = time.perf_counter() - started
        size = path.stat().st_size
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(path)]
            + ["--epochs", str(args.epochs), "--threads", str(args.threads)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        if child.returncode:
            sys.exit(child.stderr[-3000:])
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    rows = figures["rows"]
    print(f"child's {figures['threads']}; pyarrow: its default pool")
    print(f"{'figure':<28} {'value':>14}")
    for name, value in (
        ("CSV size (GB)", f"{size / 1e9:.2f}"),
        ("rows", f"{rows:,}"),
        ("generated in (s)", f"{written:.1f}"),
        ("scan (s)", f"{figures['scan_seconds']:.1f}"),
        ("sample rows (statistics)", f"{figures['sample_rows']:,}"),
        ("validation rows", f"{figures['validation_rows']:,}"),
        ("epoch (s)", f"{figures['epoch_seconds']:.1f}"),
        (
            "training rows/s",
            f"{figures['training_rows'] / figures['epoch_seconds']:,.0f}",
        ),
        ("best val_loss", f"{figures['val_loss']:.4f}"),
        ("peak RSS (GiB)", f"{peak:.2f}"),
    ):
        print(f"{name:<28} {value:>14}")
    print(
        f"summary: {size / 1e9:.2f} GB CSV, {rows:,} rows: scan "
        f"{figures['scan_seconds']:.0f} s, epoch "
        f"{figures['epoch_seconds']:.0f} s, peak RSS {peak:.2f} GiB "
        "(target < 2 GB)"
    )


if __name__ == "__main__":
    main()
