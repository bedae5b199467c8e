"""keras-recipes: tabular deep learning recipes for Keras 3.

Example (not run here: the README's first example, which
tests/test_readme.py runs):

    from recipes import BinaryClassification
    recipe = BinaryClassification(target="Status")
    recipe.fit("data/credit_data/train.csv")
    recipe.export("exported/credit")  # a SavedModel taking raw columns

Names are imported on first use, so that `import recipes.cli` (and a command
line that fails on bad arguments) does not pay for starting TensorFlow.
"""

import importlib

_HOMES = {
    "ArgumentError": "recipes.errors",
    "DataError": "recipes.errors",
    "DataWarning": "recipes.errors",
    "ModelError": "recipes.errors",
    "RecipeError": "recipes.errors",
    "ExportedModel": "recipes.export",
    "BinaryClassification": "recipes.recipe",
    "MulticlassClassification": "recipes.recipe",
    "Recipe": "recipes.recipe",
    "Regression": "recipes.recipe",
    "auto_recipe": "recipes.recipe",
    "load": "recipes.recipe",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'recipes' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return __all__
