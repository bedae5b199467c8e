"""recipes.console: progress bars on a terminal, lines elsewhere, JSON lines.

No TensorFlow here: the records are made by hand, as `recipes` and `tuning`
make them (their own tests check that they do).
"""

import io
import json
import logging
import warnings

import pytest

from recipes import console
from recipes.cli import main

log = logging.getLogger("recipes")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _epochs(total=3):
    for epoch in range(1, total + 1):
        log.debug(
            "epoch %d/%d",
            epoch,
            total,
            extra={
                "event": "epoch",
                "done": epoch,
                "total": total,
                "metrics": {"loss": 1.0 / epoch, "val_loss": 2.0 / epoch},
            },
        )
    log.info("trained %d epoch(s)", total, extra={"event": "trained"})


def test_json_lines_carry_every_field_and_every_epoch():
    stream = io.StringIO()
    with console.configured(log_format="json", stream=stream):
        _epochs()
        warnings.warn("column 'x' is constant", stacklevel=1)
        console.error("bad.csv has no column 'y'")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e.get("event") for e in lines] == [
        "epoch",
        "epoch",
        "epoch",
        "trained",
        "warning",
        "error",
    ]
    assert lines[2]["level"] == "debug" and lines[2]["done"] == 3
    assert lines[2]["metrics"] == {
        "loss": pytest.approx(1 / 3),
        "val_loss": pytest.approx(2 / 3),
    }
    assert lines[4]["level"] == "warning"
    assert lines[4]["message"] == "column 'x' is constant"
    assert lines[5] | {"time": None} == {
        "time": None,
        "level": "error",
        "logger": "recipes",
        "message": "bad.csv has no column 'y'",
        "event": "error",
    }


def test_text_off_a_terminal_is_one_line_per_message():
    stream = io.StringIO()
    with console.configured(stream=stream):
        _epochs()
        warnings.warn("two rows dropped", stacklevel=1)
    assert stream.getvalue().splitlines() == [
        "trained 3 epoch(s)",
        "keras-recipes: warning: two rows dropped",
    ]
    verbose = io.StringIO()
    with console.configured(verbose=True, stream=verbose):
        _epochs()
    assert verbose.getvalue().splitlines()[0] == "epoch 1/3"


def test_quiet_shows_warnings_and_errors_only():
    stream = io.StringIO()
    with console.configured(quiet=True, stream=stream):
        _epochs()
        warnings.warn("two rows dropped", stacklevel=1)
        console.error("out of luck")
    assert stream.getvalue().splitlines() == [
        "keras-recipes: warning: two rows dropped",
        "keras-recipes: error: out of luck",
    ]


def test_a_terminal_gets_bars_with_messages_above_them():
    stream = Terminal()
    with console.configured(stream=stream) as handler:
        tuning_log = logging.getLogger("tuning")
        for done in range(3):
            tuning_log.info(
                "trial %d",
                done,
                extra={
                    "event": "trial",
                    "done": done,
                    "total": 4,
                    "best_val_loss": 0.5 if done else None,
                },
            )
        _epochs(total=5)
        assert set(handler.bars) == {"trial"}  # the epochs' bar is gone
        tuning_log.info("leaderboard", extra={"event": "search_done"})
        assert handler.bars == {}
    text = stream.getvalue()
    assert "search:  50%" in text and "2/4" in text
    assert "best val_loss 0.5000" in text
    assert "training: 100%" in text and "5/5" in text
    assert "val_loss 0.4000" in text  # the last epoch's figure
    assert "trained 5 epoch(s)\n" in text


def test_setup_is_undone_on_exit():
    before = list(log.handlers), log.level, warnings.showwarning
    with console.configured(stream=io.StringIO()):
        assert any(isinstance(h, console.Console) for h in log.handlers)
    assert (list(log.handlers), log.level, warnings.showwarning) == before


def test_cli_errors_as_json(tmp_path, capsys):
    path = tmp_path / "train.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    status = main(["train", str(path), "--target", "z", "--log-format", "json"])
    error = json.loads(capsys.readouterr().err)
    assert status == 2
    assert error["level"] == "error" and error["event"] == "error"
    assert error["message"].startswith("train.csv has no column 'z'")
