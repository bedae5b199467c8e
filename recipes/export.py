"""The SavedModel contract: raw named columns in, named outputs out.

`export_saved_model` writes it (atomically); `ExportedModel` reads one back
to predict and evaluate without the recipe that made it.

>>> from recipes.schema import Column
>>> schema = Schema("multiclass", "species", (
...     Column("bill length", "bill_length", "numeric"),
...     Column("island", "island", "categorical")), classes=("a", "b"))
>>> {name: spec.dtype.name for name, spec in input_signature(schema).items()}
{'bill_length': 'float32', 'island': 'string'}

Example (not run), with a SavedModel that `Recipe.export` wrote:

    exported = ExportedModel("exported/penguins")
    exported.predict("data/penguins/test.csv").columns[0]  # 'class'
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from recipes import tasks
from recipes.atomic import atomic_directory
from recipes.errors import ModelError
from recipes.inference import batched
from recipes.predictor import Predictor
from recipes.preprocessing import to_inputs
from recipes.schema import Schema


def input_signature(schema: Schema) -> dict[str, tf.TensorSpec]:
    """One `[None]` tensor per feature: float32 numeric, string categorical."""
    return {
        c.serving_name: tf.TensorSpec(
            [None],
            tf.float32 if c.kind == "numeric" else tf.string,
            name=c.serving_name,
        )
        for c in schema.columns
    }


def serving_function(model: keras.Model, schema: Schema):
    """The `serving_default` function: named outputs of the task."""
    names = tf.constant(schema.class_names or [""])
    task = tasks.get(schema.task)

    def serve(inputs):
        return task.serve(model(inputs, training=False), names)

    return serve


def export_saved_model(
    model: keras.Model,
    schema: Schema,
    path: str | os.PathLike,
    overwrite: bool = False,
    extra: dict | None = None,
    assets: dict[str, str] | None = None,
) -> Path:
    """Writes the SavedModel and `assets/schema.json` (with `extra`'s
    keys) to `path`, and each of `assets` (file name -> text)."""
    with atomic_directory(path, overwrite) as tmp:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(
            "serving_default",
            serving_function(model, schema),
            input_signature=[input_signature(schema)],
        )
        archive.write_out(str(tmp), verbose=False)
        (tmp / "assets").mkdir(exist_ok=True)
        document = {**schema.to_json(), **(extra or {})}
        (tmp / "assets" / "schema.json").write_text(
            json.dumps(document, indent=2)
        )
        for name, text in (assets or {}).items():
            (tmp / "assets" / name).write_text(text)
    return Path(path)


class ExportedModel(Predictor):
    """A SavedModel written by `export`, used to predict and evaluate.

    Args:
        path: the SavedModel directory.

    Raises:
        ModelError: the directory is not a keras-recipes SavedModel.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        schema_file = self.path / "assets" / "schema.json"
        if not schema_file.is_file():
            raise ModelError(
                f"{self.path} is not a keras-recipes SavedModel (no "
                "assets/schema.json); pass a directory written by export"
            )
        try:
            document = json.loads(schema_file.read_text())
            self.schema_ = Schema.from_json(document)
            self.prior_ = document["prior"]
            loaded = tf.saved_model.load(str(self.path))
            self._signature = loaded.signatures["serving_default"]
        except (OSError, ValueError, KeyError, tf.errors.OpError) as error:
            detail = str(error).strip().splitlines()[0][:200]
            raise ModelError(
                f"{self.path} is a damaged SavedModel ({type(error).__name__}"
                f": {detail}); export the model again"
            ) from None

    def _output(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        key = self.task_.outputs[0]
        return batched(
            lambda batch: self._signature(**batch)[key],
            to_inputs(frame, self.schema_, name),
        )
