"""Puts `layer_helpers` (beside these tests) on the import path.

There is no `__init__.py` here on purpose: a test package named
`custom_layers` would shadow the real one. Seeds come from the autouse
fixture of `tests/conftest.py`.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
