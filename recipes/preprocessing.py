"""Preprocessing inside the model: raw named columns in, one float matrix out.

Numeric columns are imputed (training median), flagged when missing and
normalized; date columns become calendar features (`recipes.dates`); each
categorical column becomes one integer code with Keras's `StringLookup`
(values unseen in training, or rarer than `MIN_COUNT`, share code 0;
missing is the category ""), which the network one-hot encodes or embeds.
Statistics come from the training split only and are stored in the layers,
so the exported model takes raw columns and nothing is pickled beside it.

>>> import pandas as pd
>>> from recipes.schema import infer_schema
>>> frame = pd.DataFrame({"x": [1.0, None, 3.0], "c": ["a", "b", "a"]})
>>> schema, _ = infer_schema(frame.assign(y=[0, 1, 0]), "y", "binary")
>>> preprocessor, layout = build_preprocessor(schema, frame)
>>> preprocessor(to_inputs(frame, schema)).shape, layout.categories
(TensorShape([3, 3]), (2,))
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pandas as pd
from scipy import special

from recipes.dates import date_layer
from recipes.errors import ArgumentError, DataError
from recipes.schema import Schema
from recipes.targets import LOG_CLIP

NORMALIZATIONS = ("zscore", "minmax", "range", "log", "robust", "quantile")
MIN_SCALE = 1e-19  # smaller spreads (float32 denormals) count as constant
CLIP = 1e4  # normalized values beyond this are clipped (no inf in float32)
SOFT_CLIP = 3.0  # "robust": values tend to +-3 (RealMLP's smooth clipping)
QUANTILES = 64  # "quantile": knots of the piecewise-linear map per column
MAX_CATEGORIES = 5000  # a column's most frequent values kept, at most
MIN_COUNT = 2  # values seen fewer times in training share the unseen code
IQR_OF_NORMAL = 1.349  # "robust": the interquartile range of N(0, 1)


@keras.saving.register_keras_serializable(package="recipes")
class NumericPreprocessing(keras.layers.Layer):
    """Imputes, flags and normalizes numeric columns into one matrix.

    Takes a list of 1-D columns (one per numeric feature) and stacks them.

    y = clip((t(x) - center) / scale + shift, -1e4, 1e4), where t is the
    identity or, for log normalization, sign(x) * log1p(|x|); a missing or
    infinite x is replaced by `fill` first and, for the columns in
    `indicate`, flagged by an extra 0/1 column appended to the output.
    With `knots`, t is instead the piecewise-linear map through the points
    (knots[j][i], scores[j][i]) of column j, flat beyond its ends (the
    quantile transform). With `soft_clip` c, y becomes y / sqrt(1 + (y/c)^2),
    which is y near 0 and tends to +-c (RealMLP's smooth clipping).

    Args:
        fill: per column, the value that replaces a missing one.
        center, scale, shift: per column, the affine normalization.
        log: apply the signed log before normalizing.
        indicate: per column, whether to append a missing-indicator.
        knots, scores: per column, the increasing x and y of the map t,
            all columns of the same length.
        soft_clip: the bound of the smooth clipping, or None.
    """

    def __init__(
        self,
        fill: list[float],
        center: list[float],
        scale: list[float],
        shift: float = 0.0,
        log: bool = False,
        indicate: list[bool] | None = None,
        knots: list[list[float]] | None = None,
        scores: list[list[float]] | None = None,
        soft_clip: float | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.fill = [float(v) for v in fill]
        self.center = [float(v) for v in center]
        self.scale = [float(v) for v in scale]
        self.shift = float(shift)
        self.log = bool(log)
        self.indicate = [bool(v) for v in (indicate or [False] * len(fill))]
        self._indicated = [i for i, flag in enumerate(self.indicate) if flag]
        self.knots = knots and [[float(v) for v in row] for row in knots]
        self.scores = scores and [[float(v) for v in row] for row in scores]
        self.soft_clip = None if soft_clip is None else float(soft_clip)

    def call(self, columns):
        ops = keras.ops
        x = ops.stack(columns, axis=1)
        missing = ops.logical_not(ops.isfinite(x))
        x = ops.where(missing, ops.convert_to_tensor(self.fill, x.dtype), x)
        if self.log:
            x = ops.sign(x) * ops.log1p(ops.abs(x))
        if self.knots:
            x = self._piecewise_linear(x)
        center = ops.convert_to_tensor(self.center, x.dtype)
        scale = ops.convert_to_tensor(self.scale, x.dtype)
        x = ops.clip((x - center) / scale + self.shift, -CLIP, CLIP)
        if self.soft_clip is not None:
            x = x / ops.sqrt(1 + ops.square(x / self.soft_clip))
        if not self._indicated:
            return x
        flags = ops.take(ops.cast(missing, x.dtype), self._indicated, axis=1)
        return ops.concatenate([x, flags], axis=1)

    def _piecewise_linear(self, x):
        """scores[0] + sum_i clip((x - k_i) / (k_i+1 - k_i), 0, 1) dy_i."""
        ops = keras.ops
        knots = ops.convert_to_tensor(self.knots, x.dtype)
        scores = ops.convert_to_tensor(self.scores, x.dtype)
        low, widths = knots[:, :-1], knots[:, 1:] - knots[:, :-1]
        steps = scores[:, 1:] - scores[:, :-1]  # 0 where a row is padded
        ramps = (x[:, :, None] - low) / ops.maximum(widths, MIN_SCALE)
        ramps = ops.clip(ramps, 0.0, 1.0)
        return scores[:, 0] + ops.sum(ramps * steps, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], len(self.fill) + len(self._indicated))

    def get_config(self):
        return {
            **super().get_config(),
            "fill": self.fill,
            "center": self.center,
            "scale": self.scale,
            "shift": self.shift,
            "log": self.log,
            "indicate": self.indicate,
            "knots": self.knots,
            "scores": self.scores,
            "soft_clip": self.soft_clip,
        }


@keras.saving.register_keras_serializable(package="recipes")
class InverseTarget(keras.layers.Layer):
    """A regression network's output back in the target's units.

    y = z * std + mean, then, for a log1p-transformed target,
    expm1(clip(y, 0, 80)) (`recipes.targets.TargetScale.inverse`; the
    clip keeps a non-negative target non-negative and float32 finite).

    Args:
        mean, std: the transformed training target's mean and std.
        log: whether the target was transformed with log1p.
    """

    def __init__(self, mean: float, std: float, log: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std, self.log = float(mean), float(std), bool(log)

    def call(self, z):
        y = z * self.std + self.mean
        if self.log:
            y = keras.ops.expm1(keras.ops.clip(y, 0.0, LOG_CLIP))
        return y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "mean": self.mean,
            "std": self.std,
            "log": self.log,
        }


def numeric_matrix(frame: pd.DataFrame, schema: Schema) -> np.ndarray:
    """The numeric feature columns as float64, missing and infinite = NaN."""
    names = [c.name for c in schema.columns if c.kind == "numeric"]
    matrix = frame[names].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    matrix[~np.isfinite(matrix)] = np.nan
    return matrix


def numeric_layer(
    matrix: np.ndarray, normalization: str = "zscore"
) -> NumericPreprocessing:
    """Fits a NumericPreprocessing layer to training columns (NaN = missing)."""
    if normalization not in NORMALIZATIONS:
        raise ArgumentError(
            f"unknown normalization {normalization!r}; use one of: "
            f"{', '.join(NORMALIZATIONS)}"
        )
    missing = np.isnan(matrix)
    fill = np.nan_to_num(np.nanmedian(matrix, axis=0))
    x = np.where(missing, fill, matrix)
    log = normalization == "log"
    if log:
        x = np.sign(x) * np.log1p(np.abs(x))
    shift, extra = 0.0, {}
    if normalization in ("zscore", "log"):
        center, scale = x.mean(axis=0), x.std(axis=0)
    elif normalization == "robust":
        low, center, high = np.quantile(x, [0.25, 0.5, 0.75], axis=0)
        scale = (high - low) / IQR_OF_NORMAL
        scale = np.where(scale > MIN_SCALE, scale, x.std(axis=0))
        extra["soft_clip"] = SOFT_CLIP
    elif normalization == "quantile":
        extra["knots"], extra["scores"] = quantile_map(x)
        center, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
    else:
        low, high = x.min(axis=0), x.max(axis=0)
        center, scale = low, high - low
        if normalization == "range":
            scale, shift = scale / 2, -1.0
    scale = np.where(scale > MIN_SCALE, scale, 1.0)
    return NumericPreprocessing(
        fill=fill.tolist(),
        center=center.tolist(),
        scale=scale.tolist(),
        shift=shift,
        log=log,
        indicate=missing.any(axis=0).tolist(),
        name="numeric",
        **extra,
    )


def quantile_map(
    x: np.ndarray, quantiles: int = QUANTILES
) -> tuple[list[list[float]], list[list[float]]]:
    """Knots and normal scores mapping each column to about N(0, 1).

    The knots are a column's distinct quantiles; a knot's score is the
    normal quantile of its mid-rank, (rank below + rank at or below) / 2n,
    so tied values (a 0/1 column) get the mean of their ranks' scores.
    Columns are padded to the same length by repeating their last point.
    """
    rows = len(x)
    knots, scores = [], []
    for column in x.T:
        ordered = np.sort(column)
        points = np.unique(np.quantile(ordered, np.linspace(0, 1, quantiles)))
        below = np.searchsorted(ordered, points, side="left")
        upto = np.searchsorted(ordered, points, side="right")
        share = np.clip((below + upto) / (2 * rows), 0.5 / rows, 1 - 0.5 / rows)
        knots.append(points.tolist())
        scores.append(special.ndtri(share).tolist())
    width = max(2, max(len(k) for k in knots))
    for k, s in zip(knots, scores, strict=True):
        k.extend([k[-1]] * (width - len(k)))
        s.extend([s[-1]] * (width - len(s)))
    return knots, scores


def category_strings(values: pd.Series) -> np.ndarray:
    """A column as the strings the model sees: missing = the empty string."""
    strings = values.astype(object).where(values.notna(), "")
    if pd.api.types.infer_dtype(strings, skipna=False) != "string":
        strings = strings.map(str)  # numbers, booleans: one call per row
    return strings.to_numpy(dtype=object)


def vocabulary(
    values: pd.Series, limit: int = MAX_CATEGORIES, min_count: int = MIN_COUNT
) -> list[str]:
    """The `limit` most frequent strings of a training column seen at least
    `min_count` times, sorted."""
    counts = pd.Series(category_strings(values)).value_counts(sort=False)
    counts = counts[counts >= min_count].sort_index(kind="stable")
    top = counts.sort_values(ascending=False, kind="stable").index[:limit]
    return sorted(top)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where each kind of feature sits in the preprocessor's output:
    `numeric` normalized columns, then `flags` missing-indicators, then
    `dates` calendar features, then one integer code per categorical
    column, `categories` giving the number of codes of each (its vocabulary
    and the unseen code 0).
    """

    numeric: int
    flags: int
    categories: tuple[int, ...]
    dates: int = 0

    @property
    def first_code(self) -> int:
        """The index of the first categorical code."""
        return self.numeric + self.flags + self.dates


def build_preprocessor(
    schema: Schema, frame: pd.DataFrame, normalization: str = "zscore"
) -> tuple[keras.Model, Layout]:
    """A Keras model from raw named columns to one float32 feature matrix,
    and the `Layout` of that matrix."""
    inputs, parts = {}, []
    numeric = [c for c in schema.columns if c.kind == "numeric"]
    for column in schema.columns:
        dtype = "float32" if column.kind == "numeric" else "string"
        inputs[column.serving_name] = keras.Input(
            shape=(), dtype=dtype, name=column.serving_name
        )
    flags, widths = 0, []
    if numeric:
        layer = numeric_layer(numeric_matrix(frame, schema), normalization)
        parts.append(layer([inputs[c.serving_name] for c in numeric]))
        flags = sum(layer.indicate)
    dates = 0
    for column in schema.columns:
        if column.kind == "date":
            layer = date_layer(
                frame[column.name], name=f"date_{column.serving_name}"
            )
            parts.append(layer(inputs[column.serving_name]))
            dates += layer.width
    for column in schema.columns:
        if column.kind != "categorical":
            continue
        lookup = keras.layers.StringLookup(
            vocabulary=vocabulary(frame[column.name]),
            num_oov_indices=1,
            output_mode="int",
            name=f"lookup_{column.serving_name}",
        )
        codes = lookup(inputs[column.serving_name])
        parts.append(keras.ops.cast(keras.ops.expand_dims(codes, 1), "float32"))
        widths.append(lookup.vocabulary_size())
    features = (
        parts[0]
        if len(parts) == 1
        else keras.layers.Concatenate(name="features")(parts)
    )
    model = keras.Model(inputs, features, name="preprocessor")
    return model, Layout(len(numeric), flags, tuple(widths), dates)


def to_inputs(
    frame: pd.DataFrame, schema: Schema, name: str = "data"
) -> dict[str, np.ndarray]:
    """The model's inputs from a table: one array per feature column.

    Extra columns are ignored.

    Raises:
        DataError: a feature column is missing, or a numeric one holds text.
    """
    absent = [c.name for c in schema.columns if c.name not in frame.columns]
    if absent:
        raise DataError(
            f"{name} lacks feature column(s) the model was trained on: "
            f"{', '.join(map(repr, absent))}; add them (empty cells are fine)"
        )
    inputs = {}
    for column in schema.columns:
        values = frame[column.name]
        if column.kind != "numeric":
            inputs[column.serving_name] = category_strings(values)
        else:
            inputs[column.serving_name] = _numbers(values, column.name, name)
    return inputs


def _numbers(values: pd.Series, column: str, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(
        values
    ):
        return values.to_numpy(dtype=np.float32, na_value=np.nan)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna() & values.notna() & (values.astype(str) != "")]
    if len(bad):
        raise DataError(
            f"column {column!r} of {name} is numeric in the model but holds "
            f"text such as {bad.iloc[0]!r} (row {bad.index[0]}); "
            "fix or empty those cells"
        )
    return numbers.to_numpy(dtype=np.float32, na_value=np.nan)
