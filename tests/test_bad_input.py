"""Every way of handing keras-recipes something wrong, through the CLI.

One row per case: the arguments, the exit status, a fragment of the message
that names what is wrong. Each case also checks that no traceback was
printed, that stderr carries one line per message, and that an existing
export directory passed to it is untouched.
"""

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from recipes.cli import main

ROWS = 60


def _frame(rows=ROWS, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    return pd.DataFrame(
        {
            "x": x,
            "c": rng.choice(["a", "b"], rows),
            "y": np.where(x > 0, "p", "n"),
        }
    )


def _write(folder, name, frame=None, text=None, data=None):
    path = folder / name
    if frame is not None:
        frame.to_csv(path, index=False)
    elif text is not None:
        path.write_text(text)
    elif data is not None:
        path.write_bytes(data)
    return str(path)


def _files(folder):
    """name -> path of every input the cases use."""
    good = _frame()
    many = pd.DataFrame(
        {"x": np.arange(120.0), "y": [f"k{i % 60}" for i in range(120)]}
    )
    files = {
        "good": _write(folder, "good.csv", good),
        "empty": _write(folder, "empty.csv", text=""),
        "header": _write(folder, "header.csv", text="x,c,y\n"),
        "latin1": _write(
            folder, "latin1.csv", data="x,y\n1,caf\xe9\n".encode("latin-1") * 3
        ),
        "semicolon": _write(folder, "semi.csv", text="x;c;y\n1;a;p\n2;b;n\n"),
        "duplicate": _write(folder, "dup.csv", text="x,x,y\n1,2,p\n3,4,n\n"),
        "no_target": _write(folder, "notarget.csv", good.assign(y=np.nan)),
        "one_class": _write(folder, "oneclass.csv", good.assign(y="p")),
        "many": _write(folder, "many.csv", many),
        "tiny": _write(folder, "tiny.csv", good.head(5)),
        "text_target": _write(
            folder,
            "texttarget.csv",
            good.assign(y=["1.5", "abc"] * (ROWS // 2)),
        ),
        "no_x": _write(folder, "nox.csv", good.drop(columns="x")),
        "text_x": _write(folder, "textx.csv", good.assign(x="oops")),
        "extra": _write(folder, "extra.csv", good.assign(more=1)),
        "a_file": _write(folder, "a_file", text="keep"),
        "mixed": _write(
            folder,
            "mixed.csv",
            text="x,c,y\n1,a,p\n2;b;n\n" + "3,a,p\n4,b,n\n" * 10,
        ),
    }
    odd = good.copy()
    odd.loc[0, "x"] = np.inf
    odd["constant"] = 1
    odd["blank"] = np.nan
    odd["mostly"] = [str(i % 10) for i in range(ROWS - 1)] + ["unknown"]
    odd.loc[[1, 2], "y"] = np.nan
    odd.loc[3, "y"] = "lonely"
    files["odd"] = _write(folder, "odd.csv", odd)
    return files


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    files = _files(folder)
    model = folder / "model"
    assert (
        main(
            [
                "train",
                files["good"],
                "--target",
                "y",
                "--epochs",
                "2",
                "--export",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    damaged = folder / "damaged"
    shutil.copytree(model, damaged)
    (damaged / "saved_model.pb").write_bytes(b"not a protocol buffer")
    files["damaged"] = str(damaged)
    return folder, files, str(model)


TRAIN = ["train", "{%s}", "--target", "y", "--epochs", "2"]


def _train(name, *extra):
    return ["train", f"{{{name}}}", "--target", "y", "--epochs", "2", *extra]


CASES = [
    # id, argv template, status, message fragment
    (
        "missing file",
        ["train", "{folder}/nope.csv", "--target", "y"],
        2,
        "nope.csv does not exist",
    ),
    ("directory", ["train", "{folder}", "--target", "y"], 2, "is a directory"),
    ("empty file", _train("empty"), 2, "empty.csv is empty"),
    ("header only", _train("header"), 2, "has a header but no rows"),
    ("encoding", _train("latin1"), 2, "is not UTF-8 text"),
    ("delimiter", _train("semicolon"), 2, "separated by semicolons"),
    (
        "duplicate columns",
        _train("duplicate"),
        2,
        "duplicate column names: ['x']",
    ),
    (
        "target missing",
        ["train", "{good}", "--target", "Y"],
        2,
        "no column 'Y'; did you mean y?",
    ),
    ("target empty", _train("no_target"), 2, "is empty in every row"),
    (
        "single class",
        _train("one_class", "--task", "binary"),
        2,
        "single class ['p']",
    ),
    (
        "too many classes",
        ["train", "{many}", "--target", "y"],
        2,
        "pass task= / --task",
    ),
    ("too few rows", _train("tiny"), 2, "needs at least 10"),
    (
        "text regression target",
        _train("text_target", "--task", "regression"),
        2,
        "must be numeric for a regression; found 'abc'",
    ),
    (
        "unknown task",
        _train("good", "--task", "ranking"),
        2,
        "invalid choice: 'ranking'",
    ),
    (
        "unknown loss",
        _train("good", "--loss", "hinge"),
        2,
        "invalid choice: 'hinge'",
    ),
    (
        "unknown strategy",
        ["tune", "{good}", "--target", "y", "--strategy", "genetic"],
        2,
        "invalid choice: 'genetic'",
    ),
    (
        "zero epochs",
        _train("good", "--epochs", "0"),
        2,
        "expected a positive integer, got '0'",
    ),
    (
        "zero trials",
        ["tune", "{good}", "--target", "y", "--max-trials", "0"],
        2,
        "expected a positive integer",
    ),
    (
        "negative budget",
        ["tune", "{good}", "--target", "y", "--time-budget", "-5"],
        2,
        "expected a positive number",
    ),
    (
        "zero workers",
        ["tune", "{good}", "--target", "y", "--workers", "0"],
        2,
        "expected a positive integer",
    ),
    (
        "export is a file",
        _train("good", "--export", "{a_file}"),
        2,
        "a_file is a file",
    ),
    (
        "export exists",
        _train("good", "--export", "{model}"),
        2,
        "already exists; pass overwrite=True (--overwrite)",
    ),
    (
        "unwritable export",
        _train("good", "--export", "{a_file}/sub"),
        2,
        "cannot write to",
    ),
    (
        "predict: column missing",
        ["predict", "{model}", "{no_x}"],
        2,
        "lacks feature column(s) the model was trained on: 'x'",
    ),
    (
        "predict: wrong dtype",
        ["predict", "{model}", "{text_x}"],
        2,
        "column 'x' of textx.csv is numeric in the model but holds text",
    ),
    (
        "predict: output is a directory",
        ["predict", "{model}", "{good}", "--output", "{folder}"],
        2,
        "is a directory",
    ),
    (
        "predict: not a model",
        ["predict", "{folder}", "{good}"],
        2,
        "is neither a saved recipe nor an exported SavedModel",
    ),
    (
        "predict: damaged SavedModel",
        ["predict", "{damaged}", "{good}"],
        2,
        "damaged is a damaged SavedModel (OSError: ",
    ),
    (
        "evaluate: damaged SavedModel",
        ["evaluate", "{damaged}", "{good}"],
        2,
        "export the model again",
    ),
    (
        "mixed delimiters",
        _train("mixed"),
        2,
        "mixed.csv has a row of 1 cell(s) where the header has 3: '2;b;n' "
        "(it uses ';')",
    ),
    (
        "search directory is a file",
        ["tune", "{good}", "--target", "y", "--directory", "{a_file}"],
        2,
        "a_file' is a file; pass a directory for the search",
    ),
    (
        "predict: extra columns ignored",
        ["predict", "{model}", "{extra}"],
        0,
        "",
    ),
    (
        "odd but valid data",
        _train("odd", "--task", "multiclass"),
        0,
        "dropping 2 row(s) whose target 'y' is missing",
    ),
]


@pytest.mark.parametrize(
    "argv, status, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(argv, status, message, setup, capsys):
    folder, files, model = setup
    names = {**files, "folder": str(folder), "model": model}
    before = sorted(p.name for p in (folder / "model").iterdir())
    args = [a.format(**names) for a in argv]
    try:
        code = main(args)
    except SystemExit as exit_info:  # argparse: usage errors
        code = exit_info.code
    err = capsys.readouterr().err
    assert code == status, err
    assert message in err
    assert "Traceback" not in err
    if status == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 or lines[0].startswith("usage:"), err
    assert sorted(p.name for p in (folder / "model").iterdir()) == before


def test_odd_data_warnings_name_each_column(setup, capsys):
    folder, files, _ = setup
    argv = ["train", files["odd"], "--target", "y", "--task", "multiclass"]
    assert main([*argv, "--epochs", "1"]) == 0
    err = capsys.readouterr().err
    for fragment in (
        "column 'x' of odd.csv has 1 infinite value(s)",
        "dropping column 'constant' of odd.csv: it is constant",
        "dropping column 'blank' of odd.csv: it is entirely empty",
        "column 'mostly' of odd.csv is mostly numbers but holds text "
        "('unknown')",
        "class(es) ['lonely'] have fewer than 3 rows",
    ):
        assert fragment in err


# Found by reading the data alone: reported before TensorFlow starts.
BEFORE_TENSORFLOW = [
    "missing file",
    "directory",
    "empty file",
    "header only",
    "encoding",
    "delimiter",
    "duplicate columns",
    "target missing",
    "target empty",
    "single class",
    "too many classes",
    "too few rows",
    "text regression target",
    "export is a file",
    "export exists",
    "unwritable export",
    "predict: output is a directory",
]


def test_bad_data_is_reported_before_tensorflow_starts(setup):
    folder, files, model = setup
    names = {**files, "folder": str(folder), "model": model}
    cases = [
        [a.format(**names) for a in argv]
        for name, argv, *_ in CASES
        if name in BEFORE_TENSORFLOW
    ]
    assert len(cases) == len(BEFORE_TENSORFLOW)
    script = (
        "import json, sys\n"
        "from recipes.cli import main\n"
        "codes = [main(argv) for argv in json.loads(sys.argv[1])]\n"
        "print(json.dumps([codes, 'tensorflow' in sys.modules]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    codes, tensorflow_started = json.loads(run.stdout)
    assert codes == [2] * len(cases), run.stderr
    assert not tensorflow_started


def test_tune_refuses_to_resume_a_search_of_other_data(setup, tmp_path, capsys):
    # Tuning another target into the same directory must not resume the
    # first search (issue 20, item 2).
    _, files, _ = setup
    tune = ["tune", files["good"], "--max-trials", "1", "--epochs", "1"]
    tune += ["--ensemble", "1", "--directory", str(tmp_path), "--quiet"]
    assert main([*tune, "--target", "y"]) == 0
    board = (tmp_path / "BinaryClassification" / "leaderboard.csv").read_text()
    capsys.readouterr()
    assert main([*tune, "--target", "c"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"keras-recipes: error: {tmp_path / 'BinaryClassification'} holds a "
        "search with another data, target; resuming it would mix two "
        "searches: start afresh (resume=False, --overwrite) or use another "
        "directory"
    ]
    project = tmp_path / "BinaryClassification"
    assert (project / "leaderboard.csv").read_text() == board
    assert main([*tune, "--target", "c", "--overwrite"]) == 0
