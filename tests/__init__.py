"""The test suite: a package, so that a test file directly in tests/ (such
as test_docstrings.py) may share its basename with one in a subdirectory
(tests/custom_layers/test_docstrings.py), whose directories stay without an
`__init__.py` (see tests/custom_layers/conftest.py)."""
