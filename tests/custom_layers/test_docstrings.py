"""The examples in the docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import custom_layers

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(
        custom_layers.__path__, prefix="custom_layers."
    )
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(legacy=False):
        for test in finder.find(module, module_name):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0


def test_every_public_class_has_an_example():
    for name in custom_layers.__all__:
        obj = getattr(custom_layers, name)
        if isinstance(obj, type):
            assert ">>>" in (obj.__doc__ or ""), name
