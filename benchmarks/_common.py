"""What the benchmarks share: paths, quick or full mode, threads, timing.

Not a benchmark: `make bench` runs the other files of this folder.
Nothing here imports TensorFlow before a script has set its threads.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "data"  # shipped with the repository: penguins, credit_data...
DATASETS = ROOT.parent / "shared" / "datasets"  # the catalog, catalog.json
# This folder holds files named like modules (distributed.py, layers.py,
# streaming.py): keep it off the import path, the repository on it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # inherited by children


def parse(
    doc: str,
    quick: dict,
    full: dict,
    fixed: dict | None = None,
    parser: argparse.ArgumentParser | None = None,
) -> argparse.Namespace:
    """The command line: `--full`, and an option for each key of `quick`
    (unless given, the mode's value: `quick`'s or `full`'s) and of `fixed`
    (a plain default). Each option's type is its value's (a list: one or
    more of its items' type; True or False: a switch)."""
    parser = parser or argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help="the full measurement (default: the quick one, small data)",
    )
    for name, value in {**quick, **(fixed or {})}.items():
        flag, default = "--" + name.replace("_", "-"), value
        if name in quick:
            default = None
        if isinstance(value, bool):
            parser.add_argument(flag, action="store_true", default=default)
        elif isinstance(value, list):
            kind = type(value[0]) if value else str
            parser.add_argument(flag, type=kind, nargs="+", default=default)
        else:
            parser.add_argument(flag, type=type(value), default=default)
    args = parser.parse_args()
    for name, value in (full if args.full else quick).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def mode_line(args: argparse.Namespace, quick: str, full: str) -> str:
    """Says which mode runs, what it measures and how long it takes."""
    if args.full:
        return f"mode: full: {full}"
    return f"mode: quick (small data; --full for the full measurement): {quick}"


def timings(doc: str) -> tuple[str, str]:
    """What a script's docstring says its quick and full runs take: the
    text after `# quick:` and `# full:` up to a comma (its first lines
    show the two commands so)."""
    found = dict(re.findall(r"# (quick|full): ([^,\n]+)", doc))
    return found["quick"], found["full"]


def pin_threads(intra: int, inter: int) -> None:
    """TensorFlow's and OpenMP's threads; call before TensorFlow starts."""
    os.environ["OMP_NUM_THREADS"] = str(intra)
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(intra)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(inter)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)


def thread_line(extra: str = "") -> str:
    """This process's thread settings, the machine's cores and load."""
    import tensorflow as tf

    default = "default (one per core)"
    intra = tf.config.threading.get_intra_op_parallelism_threads() or default
    inter = tf.config.threading.get_inter_op_parallelism_threads() or default
    omp = os.environ.get("OMP_NUM_THREADS", "unset")
    return (
        f"threads: TF intra-op {intra}, inter-op {inter}, OMP_NUM_THREADS "
        f"{omp}{extra}; {os.cpu_count()} cores "
        f"({len(os.sched_getaffinity(0))} usable), load average "
        f"{os.getloadavg()[0]:.2f}"
    )


def log(message: str) -> None:
    """Progress, on stderr (stdout holds the figures)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr)


@dataclasses.dataclass
class Fit:
    """One `keras.Model.fit` call: the model, arguments, times."""

    model: object
    args: tuple
    kwargs: dict
    start: float = 0.0
    end: float = 0.0
    # per epoch: (train pass s, whole epoch s); the train pass ends when
    # validation begins
    epochs: list[tuple[float, float]] = dataclasses.field(default_factory=list)

    @property
    def x(self):
        return self.args[0] if self.args else self.kwargs.get("x")

    @property
    def y(self):
        return self.args[1] if len(self.args) > 1 else self.kwargs.get("y")


@contextlib.contextmanager
def watch_fit():
    """Records every `keras.Model.fit` call made inside, in a list.

    Each call gets one more callback, last, timing its epochs: however a
    recipe calls `fit`, its figures come from its own training.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self, record: Fit) -> None:
            super().__init__()
            self.record, self.begin, self.valid = record, 0.0, None

        def on_epoch_begin(self, epoch, logs=None):
            self.begin, self.valid = time.perf_counter(), None

        def on_test_begin(self, logs=None):
            self.valid = self.valid or time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            end = time.perf_counter()
            train = (self.valid or end) - self.begin
            self.record.epochs.append((train, end - self.begin))

    calls: list[Fit] = []
    own = "fit" in vars(keras.Model)
    original = keras.Model.fit

    def fit(self, *args, **kwargs):
        record = Fit(self, args, kwargs)
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or [])]
        kwargs["callbacks"].append(EpochTimer(record))
        calls.append(record)
        record.start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            record.end = time.perf_counter()

    keras.Model.fit = fit
    try:
        yield calls
    finally:
        if own:
            keras.Model.fit = original
        else:
            del keras.Model.fit


def _cpu() -> tuple[float, float, float]:
    """Wall s, busy CPU s of the machine (/proc/stat), CPU s of ours."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:9]]
    busy = (sum(ticks[:3]) + sum(ticks[5:8])) / os.sysconf("SC_CLK_TCK")
    return time.perf_counter(), busy, time.process_time()


@contextlib.contextmanager
def section(title: str):
    """Prints `title`; after the block, the cores other processes used
    meanwhile (this process's children count as others), to spot a
    disturbed measurement on a shared machine."""
    log(title.split(":")[0])
    print(f"\n{title}", flush=True)
    then = _cpu()
    yield
    wall, busy, own = (b - a for a, b in zip(then, _cpu(), strict=True))
    others = max(0.0, busy - own) / wall
    load = os.getloadavg()[0]
    print(f"(others used {others:.2f} cores meanwhile; load {load:.2f})")


def line(cells: list, widths: tuple[int, ...]) -> str:
    """A table row: the first cell left-aligned, the others right."""
    first, *rest = (str(c) for c in cells)
    pairs = zip(rest, widths[1:], strict=True)
    return f"{first:<{widths[0]}}" + "".join(f"{c:>{w}}" for c, w in pairs)
