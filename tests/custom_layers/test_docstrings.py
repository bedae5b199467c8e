"""Every public class of custom_layers shows an example in its docstring.

The examples themselves run in tests/test_docstrings.py, with those of the
other packages.
"""

from __future__ import annotations

import custom_layers


def test_every_public_class_has_an_example():
    for name in custom_layers.__all__:
        obj = getattr(custom_layers, name)
        if isinstance(obj, type):
            assert ">>>" in (obj.__doc__ or ""), name
