"""Fixtures for the custom_optimizers tests."""

import os
import sys

import keras
import pytest

# The shared helpers (optimizer_testlib.py) sit beside the tests; make them
# importable whatever pytest's import mode is.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same global seeds."""
    keras.utils.set_random_seed(0)
