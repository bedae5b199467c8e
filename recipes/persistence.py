"""A fitted recipe on disk: `recipe.json` + `model.keras` (+ the held-out
rows' targets and outputs, `validation.npz`), written at once.

`save` writes a recipe's parameters and fitted state; `load` reads it back
(given the recipe classes by name, so that this module imports none of
them), or opens an exported SavedModel to predict with.

>>> load("data/penguins", {})  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
recipes.errors.ModelError: data/penguins is neither a saved recipe nor an
exported SavedModel; pass a directory written by save() or export()

Example (not run), with a fitted `recipe` (`Recipe.save` and
`recipes.load` call these):

    from recipes.recipe import RECIPES  # the recipe classes by name
    save(recipe, "credit.recipe")  # PosixPath('credit.recipe')
    load("credit.recipe", RECIPES).predict("data/credit_data/test.csv")
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import keras
import numpy as np

from recipes import search
from recipes.atomic import atomic_directory
from recipes.errors import ModelError
from recipes.export import ExportedModel
from recipes.predictor import Predictor
from recipes.schema import Schema

FORMAT = 1  # version of the saved-recipe layout (recipe.json + model.keras)
VALIDATION = "validation.npz"  # the held-out rows' targets and outputs
FITTED = (  # fitted attributes saved in recipe.json, by their key there
    ("prior", "prior_"),
    ("summary", "summary_"),
    ("hyperparameters", "hyperparameters_"),
    ("history", "history_"),
    ("best_epoch", "best_epoch_"),
    ("ensemble", "ensemble_"),
    ("temperature", "temperature_"),
    ("validation_metrics", "validation_metrics_"),
    ("validation_baseline", "validation_baseline_"),
    ("seconds", "seconds_"),
    ("chosen_trial", "chosen_trial_"),
)


def save(recipe, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Writes a fitted recipe to the directory `path` (atomically).

    Raises:
        ArgumentError: `path` is a file, or exists and not `overwrite`.
    """
    with atomic_directory(path, overwrite) as tmp:
        recipe.model_.save(tmp / "model.keras")
        state = {
            "format": FORMAT,
            "recipe": type(recipe).__name__,
            "params": recipe.get_params(),
            "schema": recipe.schema_.to_json(),
            **{key: getattr(recipe, name, None) for key, name in FITTED},
        }
        if getattr(recipe, "search_", None) is not None:
            state["search"] = search.reference(recipe.search_, path)
        validation = getattr(recipe, "validation_", None)
        if validation is not None:  # the held-out rows, for the report
            state["validation_rows"] = validation["rows"]
            np.savez_compressed(
                tmp / VALIDATION, y=validation["y"], output=validation["output"]
            )
        (tmp / "recipe.json").write_text(json.dumps(state, indent=2))
    return Path(path)


def load(path: str | os.PathLike, recipes: dict[str, type]) -> Predictor:
    """A saved recipe (its class looked up in `recipes` by name), or an
    exported SavedModel to predict with.

    Keras's safe mode is on: a saved recipe cannot run arbitrary code.

    Raises:
        ModelError: the path holds neither, or another version's recipe.
    """
    path = Path(path)
    if (path / "recipe.json").is_file():
        try:
            state = json.loads((path / "recipe.json").read_text())
        except ValueError as error:
            raise ModelError(
                f"{path / 'recipe.json'} is damaged ({error}); save the "
                "recipe again"
            ) from None
        if state.get("format") != FORMAT or state.get("recipe") not in recipes:
            raise ModelError(
                f"{path} was saved by another version of keras-recipes"
            )
        recipe = recipes[state["recipe"]](**state["params"])
        try:
            with warnings.catch_warnings():  # ensembles' training state
                warnings.filterwarnings("ignore", search.OPTIMIZER_STATE)
                recipe.model_ = keras.saving.load_model(
                    path / "model.keras", safe_mode=True
                )
        except (OSError, ValueError, KeyError) as error:
            detail = str(error).strip().splitlines()[0][:200]
            raise ModelError(
                f"{path / 'model.keras'} cannot be read ({type(error).__name__}"
                f": {detail}); save the recipe again"
            ) from None
        recipe.schema_ = Schema.from_json(state["schema"])
        for key, name in FITTED:
            setattr(recipe, name, state.get(key))
        recipe.summary_ = recipe.summary_ or {}
        if recipe.ensemble_ is None:
            recipe.ensemble_ = recipe.ensemble
        recipe.search_ = search.reload(state.get("search"), path)
        recipe.validation_ = None
        if (path / VALIDATION).is_file():
            with np.load(path / VALIDATION) as arrays:
                recipe.validation_ = {
                    "y": arrays["y"],
                    "output": arrays["output"],
                    "rows": state.get("validation_rows", "held-out rows"),
                }
        return recipe
    if (path / "saved_model.pb").is_file():
        return ExportedModel(path)
    raise ModelError(
        f"{path} is neither a saved recipe nor an exported SavedModel; "
        "pass a directory written by save() or export()"
    )
