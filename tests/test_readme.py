"""The README's Python examples, run as they are written, in order.

They share one namespace (later blocks use earlier imports) and run in a
scratch directory that holds the project's `data/`, so that what they write
(exported models, runs) lands there.
"""

import re
from pathlib import Path

from tests.conftest import DATA, ROOT

BLOCKS = re.findall(
    r"^```python\n(.*?)^```", Path(ROOT, "README.md").read_text(), re.M | re.S
)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    assert len(BLOCKS) >= 3
    (tmp_path / "data").symlink_to(DATA)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(BLOCKS, 1):
        exec(
            compile(block, f"README.md python block {number}", "exec"),
            namespace,
        )
    for model in ("credit", "model", "penguins"):
        assert (tmp_path / "exported" / model / "saved_model.pb").is_file()
    assert (tmp_path / "credit.recipe" / "recipe.json").is_file()
    assert namespace["search"].best_params_["patience"] in (5, 10)
    assert len(namespace["recipe"].search_.trials) == 4
    assert (
        tmp_path / "runs" / "MulticlassClassification" / "scores.png"
    ).is_file()
