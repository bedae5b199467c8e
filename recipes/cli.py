"""The command line: `keras-recipes train | tune | evaluate | predict`.

A thin layer over the Python API. Results (JSON, CSV) go to stdout or the
named file; progress and warnings to stderr. Exit status: 0 success, 2 bad
input or usage (one line on stderr naming what is wrong), 1 anything else.

    keras-recipes train data/penguins/train.csv --target species \\
        --test data/penguins/test.csv --export exported/penguins
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from pathlib import Path

TASKS = ("auto", "regression", "binary", "multiclass")  # recipes.tasks.TASKS
STRATEGIES = ("random", "grid", "bayesian", "hyperband")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        )
    return value


def _folds(text: str) -> int | str:
    """ "auto" or a positive integer."""
    return text if text == "auto" else _positive_int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive number, got {text!r}"
        )
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser of `keras-recipes`."""
    main = argparse.ArgumentParser(
        prog="keras-recipes",
        description="Tabular deep learning recipes: CSV in, SavedModel out.",
    )
    commands = main.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--verbose", action="store_true", help="show tracebacks"
        )
        sub.add_argument(
            "--quiet", action="store_true", help="warnings and errors only"
        )
        sub.add_argument(
            "--log-format",
            choices=("text", "json"),
            default="text",
            help="stderr as text (progress bars on a terminal) or JSON lines",
        )

    for name, summary in (
        ("train", "train a recipe with default hyperparameters"),
        ("tune", "search hyperparameters with keras-tuner, then train"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("csv", help="training CSV (target column included)")
        sub.add_argument("--target", required=True, help="column to predict")
        sub.add_argument("--task", choices=TASKS, default="auto")
        sub.add_argument(
            "--loss",
            choices=("mse", "mae", "huber"),
            help="regression loss (default mse)",
        )
        sub.add_argument(
            "--target-transform",
            choices=("auto", "none", "log1p"),
            help="regression target transform (default auto: log1p for a "
            "skewed non-negative target)",
        )
        sub.add_argument(
            "--combine",
            choices=("mean", "vote"),
            default="mean",
            help="how the networks make one model: the mean of their outputs "
            "(default), or their vote (classification)",
        )
        sub.add_argument(
            "--calibration",
            choices=("temperature", "none"),
            help="classification: temperature scaling of the probabilities "
            "on the held-out rows (default temperature)",
        )
        sub.add_argument(
            "--validation", help="validation CSV (default: a split)"
        )
        sub.add_argument("--test", help="test CSV: report its metrics")
        sub.add_argument("--epochs", type=_positive_int, default=200)
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument(
            "--export", help="write a SavedModel to this directory"
        )
        sub.add_argument("--save", help="save the recipe to this directory")
        sub.add_argument(
            "--report",
            help="write an HTML report to this file (tune: default "
            "DIRECTORY/<Recipe>/report.html)",
        )
        sub.add_argument(
            "--stream",
            action=argparse.BooleanOptionalAction,
            help="read the training CSV block by block, never whole "
            "(default: when it is larger than 1 GiB); tune searches on a "
            "sample of it",
        )
        sub.add_argument(
            "--ensemble",
            type=_positive_int,
            default=3,
            help="networks averaged: seeds for train, best trials for tune "
            "(default 3)",
        )
        sub.add_argument(
            "--overwrite",
            action="store_true",
            help="replace existing --export/--save/--directory",
        )
        if name == "train":
            sub.add_argument(
                "--folds",
                type=_folds,
                default="auto",
                help="cross-fitting: one network per fold, each early-stopped "
                "on its fold (default auto: 5 under 5,000 rows without "
                "--validation; 1: one validation split)",
            )
            sub.add_argument(
                "--distributed",
                action="store_true",
                help="train on the workers named by TF_CONFIG "
                "(MultiWorkerMirroredStrategy); start one process per worker",
            )
        if name == "tune":
            sub.add_argument(
                "--strategy", choices=STRATEGIES, default="bayesian"
            )
            sub.add_argument("--max-trials", type=_positive_int, default=20)
            sub.add_argument(
                "--time-budget",
                type=_positive_float,
                help="seconds for the search and the refit together",
            )
            sub.add_argument(
                "--directory", default="runs", help="search state (resumable)"
            )
            sub.add_argument("--workers", type=_positive_int, default=1)
            sub.add_argument(
                "--search-space", help="JSON file narrowing the search space"
            )
            sub.add_argument(
                "--no-refit",
                action="store_true",
                help="keep the trials' weights instead of retraining the "
                "best on train + validation",
            )
            sub.add_argument(
                "--tensorboard",
                action="store_true",
                help="write TensorBoard logs of every trial",
            )
        common(sub)

    sub = commands.add_parser("evaluate", help="print metrics as JSON")
    sub.add_argument("model", help="exported SavedModel or saved recipe")
    sub.add_argument("csv", help="CSV with the target column")
    sub.add_argument(
        "--baseline",
        action="store_true",
        help="also print the trivial model's metrics",
    )
    common(sub)

    sub = commands.add_parser(
        "report",
        help="rebuild the HTML report of a search or a saved recipe",
    )
    sub.add_argument(
        "run",
        help="a search directory (DIRECTORY/<Recipe> of tune) or a saved "
        "recipe (--save)",
    )
    sub.add_argument("--test", help="CSV with the target column")
    sub.add_argument("--output", help="HTML file (default: RUN/report.html)")
    common(sub)

    sub = commands.add_parser(
        "importance",
        help="permutation importance of each column, as JSON or CSV",
    )
    sub.add_argument("model", help="exported SavedModel or saved recipe")
    sub.add_argument("csv", help="CSV with the target column")
    sub.add_argument(
        "--repeats", type=_positive_int, default=5, help="shuffles per column"
    )
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--output", help="CSV file to write (default: JSON)")
    common(sub)

    sub = commands.add_parser(
        "describe", help="print the model card of an export or saved recipe"
    )
    sub.add_argument("model", help="exported SavedModel or saved recipe")
    sub.add_argument(
        "--json", action="store_true", help="the card as JSON, not Markdown"
    )
    common(sub)

    sub = commands.add_parser("predict", help="write predictions as CSV")
    sub.add_argument("model", help="exported SavedModel or saved recipe")
    sub.add_argument("csv", help="CSV with the feature columns")
    sub.add_argument("--output", help="CSV file to write (default: stdout)")
    common(sub)
    return main


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from recipes import console

    with console.configured(args.quiet, args.verbose, args.log_format):
        try:
            return _run(args)
        except KeyboardInterrupt:
            console.error("interrupted")
            return 1
        except Exception as error:  # noqa: BLE001 - the CLI's last defence
            from recipes.errors import RecipeError

            if isinstance(error, RecipeError):
                console.error(str(error))
                return 2
            if args.verbose:
                traceback.print_exc()
            message = str(error).strip().splitlines()
            detail = f": {message[0]}" if message else ""
            console.error(
                f"unexpected error ({type(error).__name__}{detail}); "
                "rerun with --verbose for the traceback"
            )
            return 1


def _import_recipes(verbose: bool):
    """Imports the package, silencing TensorFlow's C++ start-up chatter."""
    if verbose:
        import recipes

        return recipes
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        import recipes

        tf.config.list_logical_devices("CPU")  # device start-up logs, too
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return recipes


def _run(args: argparse.Namespace) -> int:
    """Checks every input before TensorFlow starts, then does the work."""
    from recipes.reading import CSVFile

    if args.command in ("train", "tune"):
        return _train(args)
    if args.command == "report":
        return _report(args)
    if args.command == "describe":
        return _describe(args)
    table = CSVFile.read(args.csv)
    if args.command in ("predict", "importance") and args.output:
        _check_output(Path(args.output))
    recipes = _import_recipes(args.verbose)
    model = recipes.load(args.model)
    if args.command == "evaluate":
        result = {"metrics": model.evaluate(table)}
        if args.baseline:
            result["baseline"] = model.evaluate_baseline(table)
        print(json.dumps(result, indent=2))
        return 0
    if args.command == "importance":
        frame = model.importance(table, args.repeats, args.seed)
        if not args.output:
            print(json.dumps(frame.to_dict(orient="records"), indent=2))
            return 0
    else:
        frame = model.predict(table)
    if args.output:
        _write_csv_atomically(frame, Path(args.output))
    else:
        frame.to_csv(sys.stdout, index=False)
    return 0


def _train(args: argparse.Namespace) -> int:
    from recipes import reading, streaming
    from recipes.atomic import check_destination
    from recipes.dataset import load_dataset
    from recipes.errors import ArgumentError
    from recipes.reading import CSVFile, read_head
    from recipes.schema import find_column
    from recipes.tasks import get, infer_task

    for path in (args.export, args.save):
        if path:
            check_destination(path, args.overwrite)
    space = None
    if args.command == "tune" and args.search_space:
        space = _read_json(args.search_space)
    stream = streaming.should_stream(args.csv, args.stream)
    train = None if stream else CSVFile.read(args.csv)
    validation = CSVFile.read(args.validation) if args.validation else None
    test = CSVFile.read(args.test) if args.test else None
    task = args.task
    if task == "auto":
        head = read_head(args.csv, reading.HEAD_ROWS) if stream else None
        frame = train.frame if train else head
        name = Path(args.csv).name
        find_column(frame, args.target, name, "target")
        task = infer_task(frame[args.target], name).name
    if args.loss and args.loss not in get(task).losses:
        raise ArgumentError(
            f"--loss {args.loss} does not apply to {task}; use one of: "
            f"{', '.join(get(task).losses)}"
        )
    if args.target_transform and get(task).classifies:
        raise ArgumentError(
            f"--target-transform applies to regression, not to {task}"
        )
    if args.calibration and not get(task).classifies:
        raise ArgumentError(
            f"--calibration applies to classification, not to {task}"
        )
    load = streaming.scan if stream else load_dataset
    dataset = load(
        args.csv if stream else train,
        validation,
        target=args.target,
        task=task,
        seed=args.seed,
    )
    if test is not None:
        find_column(test.frame, args.target, test.path.name, "target")

    strategy, worker = None, 0
    if getattr(args, "distributed", False):
        strategy, worker = _strategy()
    _import_recipes(args.verbose)
    from recipes.recipe import BY_TASK

    kwargs = {
        "seed": args.seed,
        "epochs": args.epochs,
        "ensemble": args.ensemble,
        "combine": args.combine,
    }
    if args.loss:
        kwargs["loss"] = args.loss
    if args.target_transform:
        kwargs["target_transform"] = args.target_transform
    if args.calibration:
        kwargs["calibration"] = (
            None if args.calibration == "none" else args.calibration
        )
    if args.command == "train":
        kwargs["folds"] = args.folds
    recipe = BY_TASK[task](target=args.target, **kwargs)
    if args.command == "tune":
        recipe.tune(
            dataset,
            strategy=args.strategy,
            max_trials=args.max_trials,
            time_budget=args.time_budget,
            directory=args.directory,
            resume=not args.overwrite,
            workers=args.workers,
            search_space=space,
            tensorboard=args.tensorboard,
            refit=not args.no_refit,
        )
    else:
        recipe.fit(dataset, strategy=strategy)
    result = {
        "recipe": type(recipe).__name__,
        "best_epoch": recipe.best_epoch_,
        "networks": recipe.ensemble_,
        "hyperparameters": recipe.hyperparameters_,
    }
    if recipe.temperature_ is not None:
        result["temperature"] = recipe.temperature_
    if worker:  # the chief (worker 0) evaluates and writes
        print(json.dumps({**result, "worker": worker}, indent=2))
        return 0
    if test is not None:
        result["test"] = recipe.evaluate(test)
        result["test_baseline"] = recipe.evaluate_baseline(test)
    if args.export:
        exported = recipe.export(args.export, args.overwrite, test=test)
        result["export"] = str(exported)
        logging.getLogger("recipes").info(
            "SavedModel written to %s", args.export
        )
    if args.save:
        result["saved"] = str(recipe.save(args.save, args.overwrite))
    report = args.report
    if args.command == "tune" and not report:
        report = Path(args.directory) / type(recipe).__name__ / "report.html"
    if report:
        result["report"] = str(recipe.report(report, test))
        logging.getLogger("recipes").info("report written to %s", report)
    print(json.dumps(result, indent=2))
    return 0


def _strategy():
    """MultiWorkerMirroredStrategy from TF_CONFIG, before any TF op runs."""
    from recipes.errors import ArgumentError

    try:
        config = json.loads(os.environ.get("TF_CONFIG") or "null")
        index = int(config["task"]["index"])
        workers = config["cluster"]["worker"]
    except (ValueError, TypeError, KeyError) as error:
        raise ArgumentError(
            "--distributed needs TF_CONFIG naming the workers and this one, "
            'e.g. {"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            f'"task": {{"type": "worker", "index": 0}}}} ({error!r})'
        ) from None
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    logging.getLogger("recipes").info(
        "worker %d of %d: %s", index, len(workers), workers[index]
    )
    return strategy, index


def _report(args: argparse.Namespace) -> int:
    from recipes.errors import ArgumentError
    from recipes.reading import CSVFile

    test = CSVFile.read(args.test) if args.test else None
    run = Path(args.run)
    saved = run / "recipe" if (run / "oracle.json").is_file() else run
    if not (saved / "recipe.json").is_file():
        raise ArgumentError(
            f"{run} is neither a search directory with its tuned recipe "
            "(DIRECTORY/<Recipe> of tune) nor a saved recipe (--save DIR)"
        )
    output = Path(args.output or run / "report.html")
    recipes = _import_recipes(args.verbose)
    recipe = recipes.load(saved)
    print(json.dumps({"report": str(recipe.report(output, test))}))
    return 0


def _describe(args: argparse.Namespace) -> int:
    """Prints the model card: an export's own file (TensorFlow never
    starts), or a saved recipe's, made from it."""
    from recipes import model_card
    from recipes.errors import ModelError

    path = Path(args.model)
    written = path / "assets" / model_card.JSON_NAME
    if written.is_file():
        document = json.loads(written.read_text())
    elif (path / "recipe.json").is_file():
        document = _import_recipes(args.verbose).load(path).model_card()
    elif (path / "saved_model.pb").is_file():
        raise ModelError(
            f"{path} has no model card (an export of an older version); "
            "export the model again"
        )
    else:
        raise ModelError(
            f"{path} is neither a saved recipe nor an exported SavedModel; "
            "pass a directory written by save() or export()"
        )
    print(
        json.dumps(document, indent=2)
        if args.json
        else model_card.markdown(document)
    )
    return 0


def _read_json(path: str) -> dict:
    from recipes.errors import ArgumentError

    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ArgumentError(
            f"cannot read --search-space {path}: {error}"
        ) from None


def _check_output(path: Path) -> None:
    """Refuses an --output that is a directory or cannot be written."""
    from recipes.errors import ArgumentError

    if path.is_dir():
        raise ArgumentError(f"--output {path} is a directory; pass a file path")
    directory = path.absolute().parent
    if not directory.is_dir() or not os.access(directory, os.W_OK):
        raise ArgumentError(
            f"cannot write --output {path}; choose another path"
        )


def _write_csv_atomically(frame, path: Path) -> None:
    """Writes beside `path` and renames: an old file survives any failure."""
    from tuning.files import atomic_write

    _check_output(path)
    atomic_write(path, frame.to_csv(index=False))
