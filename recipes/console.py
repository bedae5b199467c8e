"""What the command line shows on stderr: lines, progress bars, or JSON.

`recipes` and `tuning` log with structured fields (`extra=`). A record
whose `event` is "trial" or "epoch" reports progress with `done` and
`total`; "search_done" and "trained" end it. `configured` routes them:

- text on a terminal: a tqdm bar for the search and one for the epochs of
  the network in training, with the other messages printed above them;
- text elsewhere (a log file, a pipe): one line per message, the epochs
  only with `verbose`;
- json: one JSON object per line with the time, level, logger, message and
  every structured field, epochs included.

    with configured(log_format="json"):
        logging.getLogger("recipes").info("saved", extra={"event": "saved"})
    # stderr: {"time": "2026-...", "level": "info", "logger": "recipes",
    #          "message": "saved", "event": "saved"}
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import sys
import warnings

from tqdm import tqdm

LOGGERS = ("recipes", "tuning")
FORMATS = ("text", "json")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Progress events: the bar each moves (position, label, unit) and the
# figure shown beside it.
BARS = {"trial": (0, "search", "trial"), "epoch": (1, "training", "epoch")}
ENDS = {"search_done": "trial", "trained": "epoch"}


def fields(record: logging.LogRecord) -> dict:
    """The structured fields a record carries (its `extra=`)."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class JSONLines(logging.Formatter):
    """Formats a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        return json.dumps(entry, default=str)


class Text(logging.Formatter):
    """The message alone; warnings and errors prefixed like the CLI's."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            return f"keras-recipes: error: {message}"
        if record.levelno >= logging.WARNING:
            return f"keras-recipes: warning: {message}"
        return message


class Console(logging.Handler):
    """Writes records to `stream`, drawing progress events as bars.

    Args:
        stream: where to write (stderr).
        level: the lowest level printed as a message.
        bars: draw tqdm bars for progress events (a terminal).
        progress_lines: print progress events as messages even below
            `level` (JSON logs keep every epoch).
    """

    def __init__(self, stream, level: int, bars: bool, progress_lines: bool):
        super().__init__(logging.DEBUG)
        self.stream, self.shown = stream, level
        self.draw, self.progress_lines = bars, progress_lines
        self.bars: dict[str, tqdm] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = getattr(record, "event", None)
            if self.draw and event in BARS:
                self._advance(event, record)
            if event in ENDS:
                self._close(ENDS[event])
            progress = event in BARS and self.progress_lines
            if record.levelno >= self.shown or progress:
                self._write(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)

    def _advance(self, event: str, record: logging.LogRecord) -> None:
        bar = self.bars.get(event)
        if bar is None:
            position, label, unit = BARS[event]
            bar = self.bars[event] = tqdm(
                total=record.total,
                desc=label,
                unit=unit,
                position=position,
                leave=event == "trial",
                file=self.stream,
                dynamic_ncols=True,
            )
        bar.total = max(bar.total or 0, record.total)
        bar.n = min(record.done, bar.total)
        bar.set_postfix_str(_figure(event, record), refresh=False)
        bar.refresh()

    def _close(self, event: str) -> None:
        bar = self.bars.pop(event, None)
        if bar is not None:
            bar.close()

    def _write(self, line: str) -> None:
        if self.bars:
            tqdm.write(line, file=self.stream)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        for event in list(self.bars):
            self._close(event)
        super().close()


def _figure(event: str, record: logging.LogRecord) -> str:
    if event == "trial":
        name, value = "best val_loss", getattr(record, "best_val_loss", None)
    else:
        metrics = getattr(record, "metrics", {})
        name = "val_loss" if "val_loss" in metrics else "loss"
        value = metrics.get(name)
    return "" if value is None else f"{name} {value:.4f}"


@contextlib.contextmanager
def configured(
    quiet: bool = False,
    verbose: bool = False,
    log_format: str = "text",
    stream=None,
):
    """Sends the `recipes` and `tuning` logs to stderr (or `stream`).

    `quiet` shows warnings and errors only; `verbose` adds the debug
    messages (every epoch). Python warnings go the same way, one line each.
    On exit the bars are closed and the logging set-up is restored.
    """
    stream = stream or sys.stderr
    level = logging.DEBUG if verbose else logging.INFO
    if quiet:
        level = logging.WARNING
    terminal = hasattr(stream, "isatty") and stream.isatty()
    json_lines = log_format == "json"
    handler = Console(
        stream,
        level,
        bars=terminal and not json_lines and not quiet,
        progress_lines=json_lines and not quiet,
    )
    handler.setFormatter(JSONLines() if json_lines else Text())
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        # ours only: a library's logging.basicConfig must not repeat them
        logger.propagate = False
    for noisy in ("tensorflow", "absl", "keras_tuner"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    def as_log(message, category, filename, lineno, file=None, line=None):
        logging.getLogger("recipes").warning(
            str(message), extra={"event": "warning"}
        )

    try:
        with warnings.catch_warnings():  # restores showwarning and filters
            warnings.showwarning = as_log
            warnings.filterwarnings(
                "ignore", module="keras|tensorflow|keras_tuner"
            )
            yield handler
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate
        handler.close()


def error(message: str) -> None:
    """Reports the CLI's final error the way `configured` set up."""
    logging.getLogger("recipes").error(message, extra={"event": "error"})
