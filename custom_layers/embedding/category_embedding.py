"""Embeddings of one-hot encoded categorical columns."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Shape, Tensor, check_positive_int


def embedding_size(categories: int, largest: int = 32) -> int:
    """The embedding width for a column of `categories` values.

    fast.ai's rule of thumb, `round(1.6 * categories ** 0.56)`, capped at
    `largest`.

    >>> embedding_size(3), embedding_size(16), embedding_size(1000)
    (3, 8, 32)
    """
    check_positive_int("categories", categories)
    return max(1, min(largest, round(1.6 * categories**0.56)))


@keras.saving.register_keras_serializable(package="custom_layers")
class CategoryEmbedding(keras.layers.Layer):
    """One lookup table per categorical column, on one-hot blocks.

    The input holds the columns' one-hot blocks side by side (`sizes[i]`
    entries for column i); column i's block `h_i` becomes `h_i E_i`, with
    `E_i` a `(sizes[i], dims[i])` table: the row of its category, as a
    lookup would give (`keras.layers.Embedding` on the category's index),
    and a weighted mean of rows for a soft (e.g. smoothed) encoding. The
    embeddings are concatenated.

    Example:

    >>> import numpy as np
    >>> from custom_layers import CategoryEmbedding
    >>> layer = CategoryEmbedding([2, 3], [1, 2], embeddings_initializer="ones")
    >>> np.asarray(layer(np.array([[0.0, 1.0, 1.0, 0.0, 0.0]])))
    array([[1., 1., 1.]], dtype=float32)

    Args:
        sizes: per column, the width of its one-hot block.
        dims: per column, the embedding width (default: `embedding_size`).
        embeddings_initializer: initializer of the tables (Keras's
            `Embedding` default, uniform in [-0.05, 0.05]).
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        sizes: list[int],
        dims: list[int] | None = None,
        embeddings_initializer: str | dict = "uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sizes = [check_positive_int("sizes", s) for s in sizes]
        dims = dims or [embedding_size(s) for s in self.sizes]
        self.dims = [check_positive_int("dims", d) for d in dims]
        if len(self.dims) != len(self.sizes):
            raise ValueError(
                "CategoryEmbedding needs one dim per column. Received: "
                f"sizes={self.sizes}, dims={self.dims}"
            )
        self.embeddings_initializer = keras.initializers.get(
            embeddings_initializer
        )

    def build(self, input_shape: Shape) -> None:
        """Creates one `(sizes[i], dims[i])` table per column."""
        if input_shape[-1] != sum(self.sizes):
            raise ValueError(
                f"CategoryEmbedding expects {sum(self.sizes)} one-hot "
                f"entries (sizes={self.sizes}). Received: "
                f"input_shape={input_shape}"
            )
        pairs = zip(self.sizes, self.dims, strict=True)
        self.tables = [
            self.add_weight(
                shape=(size, dim),
                name=f"table_{i}",
                initializer=self.embeddings_initializer,
            )
            for i, (size, dim) in enumerate(pairs)
        ]
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `[h_0 E_0, h_1 E_1, ...]` concatenated."""
        parts, start = [], 0
        for size, table in zip(self.sizes, self.tables, strict=True):
            parts.append(ops.matmul(inputs[:, start : start + size], table))
            start += size
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `(batch, sum(dims))`."""
        return (input_shape[0], sum(self.dims))

    def get_config(self) -> dict:
        """Returns the config, sizes and dims included."""
        return {
            **super().get_config(),
            "sizes": self.sizes,
            "dims": self.dims,
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
        }
