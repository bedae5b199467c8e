"""The command line: results on stdout, one-line errors, exit statuses."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from recipes.cli import main
from tests.conftest import DATA


def test_train_evaluate_predict(csvs, tmp_path, capsys):
    train, test = csvs["binary"]
    export = tmp_path / "exported"
    status = main(
        [
            "train",
            str(train),
            "--target",
            "y",
            "--epochs",
            "20",
            "--folds",
            "2",
            "--test",
            str(test),
            "--export",
            str(export),
            "--quiet",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert result["recipe"] == "BinaryClassification"
    assert result["networks"] == 2  # one per fold
    assert result["temperature"] > 0
    assert result["test"]["roc_auc"] > result["test_baseline"]["roc_auc"]
    assert (export / "saved_model.pb").is_file()
    card = json.loads((export / "assets" / "model_card.json").read_text())
    assert card["metrics"]["test"]["model"] == pytest.approx(result["test"])
    assert card["metrics"]["test"]["rows"] == len(pd.read_csv(test))

    assert main(["evaluate", str(export), str(test), "--baseline"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["metrics"] == pytest.approx(result["test"], abs=1e-4)
    assert evaluated["baseline"] == pytest.approx(result["test_baseline"])

    output = tmp_path / "predictions.csv"
    assert (
        main(["predict", str(export), str(test), "--output", str(output)]) == 0
    )
    predictions = pd.read_csv(output)
    assert list(predictions.columns) == ["class", "proba_no", "proba_yes"]
    assert len(predictions) == len(pd.read_csv(test))

    assert main(["predict", str(export), str(test)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "class,proba_no,proba_yes"


def test_existing_export_is_refused_without_overwrite(csvs, exported, capsys):
    before = sorted(p.name for p in exported["regression"].iterdir())
    status = main(
        [
            "train",
            str(csvs["regression"][0]),
            "--target",
            "y",
            "--task",
            "regression",
            "--export",
            str(exported["regression"]),
        ]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "already exists; pass overwrite=True (--overwrite)" in err
    assert sorted(p.name for p in exported["regression"].iterdir()) == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["train", "missing.csv", "--target", "y"],
            "missing.csv does not exist",
        ),
        (["evaluate", "nowhere", "x.csv"], "x.csv does not exist"),
        (
            ["evaluate", "nowhere", f"{DATA}/penguins/test.csv"],
            "nowhere is neither a saved recipe",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err


def test_wrong_task_and_target_from_a_real_process(csvs):
    """`python -m recipes` in its own process: exit 2, no traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "recipes",
            "train",
            str(csvs["binary"][0]),
            "--target",
            "colour",
            "--task",
            "binary",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"keras-recipes: error: {csvs['binary'][0].name} has no column "
        "'colour'; did you mean color? pass target= one of: x1, x 2, color, y"
    )
    assert done.stdout == ""


@pytest.mark.parametrize(
    "flag, value", [("--epochs", "0"), ("--folds", "0"), ("--folds", "some")]
)
def test_usage_errors_exit_2(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "x.csv", "--target", "y", flag, value])
    assert exit_info.value.code == 2
    message = f"expected a positive integer, got {value!r}"
    assert message in capsys.readouterr().err


def test_calibration_of_a_regression_is_refused(csvs, capsys):
    train = str(csvs["regression"][0])
    argv = ["train", train, "--target", "y", "--calibration", "none"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--calibration applies to classification, not to regression" in err
