"""The README and docs/ examples, checked as they are written.

- Python blocks run in order in one namespace (later blocks use earlier
  imports), in a scratch directory holding the project's `data/`, so that
  what they write (exported models, runs) lands there.
- Every `keras-recipes` command of a shell block parses with the CLI's own
  parser (running them all would take minutes; tests/recipes/test_cli.py
  runs each subcommand).
- The TF Serving request body is fed to the exported signature, and the
  answer has the names and shapes of the documented response; the
  `saved_model_cli run` line runs as written.
"""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from recipes.cli import parser
from tests.conftest import DATA, ROOT

README = Path(ROOT, "README.md").read_text()
DOCS = sorted(Path(ROOT, "docs").glob("*.md"))
REDIRECT = re.compile(
    r"^(\d*[<>]|\||&&|;)"
)  # where the command's own words end


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def _commands(text: str, program: str) -> list[list[str]]:
    """The command lines of `program` in shell blocks, continuations joined."""
    commands = []
    for block in _blocks(text, "sh"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            ends = [i for i, w in enumerate(words) if REDIRECT.match(w)]
            words = words[: ends[0]] if ends else words
            if words[:1] == [program]:
                commands.append(words[1:])
    return commands


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    """The README's Python blocks, run once: (directory, namespace)."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "data").symlink_to(DATA)
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for number, block in enumerate(_blocks(README, "python"), 1):
            exec(
                compile(block, f"README.md python block {number}", "exec"),
                namespace,
            )
    return folder, namespace


def test_readme_python_examples_run(readme_run):
    folder, namespace = readme_run
    assert len(_blocks(README, "python")) >= 3
    for model in ("credit", "model", "penguins"):
        assert (folder / "exported" / model / "saved_model.pb").is_file()
    assert (folder / "credit.recipe" / "recipe.json").is_file()
    assert namespace["search"].best_params_["patience"] in (5, 10)
    assert len(namespace["recipe"].search_.trials) == 4
    run = folder / "runs" / "MulticlassClassification"
    assert (run / "scores.png").is_file()
    assert (run / "recipe" / "recipe.json").is_file()


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_docs_python_examples_run(page, tmp_path, monkeypatch):
    blocks = _blocks(page.read_text(), "python")
    assert blocks, f"{page.name} has no Python example"
    (tmp_path / "data").symlink_to(DATA)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(blocks, 1):
        name = f"docs/{page.name} python block {number}"
        exec(compile(block, name, "exec"), namespace)


def test_every_command_line_parses():
    commands = _commands(README, "keras-recipes")
    for page in DOCS:
        commands += _commands(page.read_text(), "keras-recipes")
    used = {words[0] for words in commands}
    assert used >= {"train", "tune", "evaluate", "predict", "report"}
    for words in commands:
        parser().parse_args(words)  # exits (fails the test) on a bad flag


def _signature_inputs(body: dict, signature) -> dict:
    """A TF Serving columnar request's inputs as the signature's tensors."""
    specs = signature.structured_input_signature[1]
    assert set(body["inputs"]) == set(specs)
    return {
        name: tf.constant(np.asarray(values), dtype=specs[name].dtype)
        for name, values in body["inputs"].items()
    }


def test_tf_serving_request_gets_the_documented_answer(readme_run):
    folder, _ = readme_run
    request, response = (json.loads(b) for b in _blocks(README, "json"))
    exported = folder / "exported" / "penguins"
    signature = tf.saved_model.load(str(exported)).signatures[
        request["signature_name"]
    ]
    answer = signature(**_signature_inputs(request, signature))
    documented = response["outputs"]
    assert set(answer) == set(documented)
    for name, values in documented.items():
        assert answer[name].shape == np.asarray(values).shape
    classes = json.loads((exported / "assets" / "schema.json").read_text())
    labels = set(classes["classes"])
    assert set(documented["class"]) <= labels
    assert {v.decode() for v in answer["class"].numpy()} <= labels


def test_saved_model_cli_run_as_written(readme_run):
    folder, _ = readme_run
    (line,) = [
        words
        for words in _commands(README, "saved_model_cli")
        if words[0] == "run"
    ]
    tool = Path(sys.executable).parent / "saved_model_cli"
    done = subprocess.run(
        [str(tool), *line],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Result for output key class:" in done.stdout
    assert "Result for output key probabilities:" in done.stdout
