"""The examples in the docstrings of every package run and print what they say.

Every `>>>` example of custom_layers, custom_optimizers, recipes and tuning
runs here, with the repository root as the working directory (the examples
read `data/...` and write only to temporary directories). An example that
would need a long fit or a server is written without prompts, after a line
"Example (not run):". Whitespace is normalized and `...` matches anything
(as under `pytest --doctest-modules`).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import custom_layers
import custom_optimizers
import recipes
import tuning

PACKAGES = (custom_layers, custom_optimizers, recipes, tuning)

MODULES = sorted(
    name
    for package in PACKAGES
    for name in (
        package.__name__,
        *(
            info.name
            for info in pkgutil.walk_packages(
                package.__path__, prefix=f"{package.__name__}."
            )
        ),
    )
    if not name.endswith(".__main__")  # importing it runs the command line
)


@pytest.fixture(autouse=True)
def _repository_root(monkeypatch):
    """The examples name `data/...` relative to the repository root."""
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    )
    with np.printoptions(legacy=False):
        for test in finder.find(module, module_name):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
