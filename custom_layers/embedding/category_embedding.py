"""Embeddings of categorical columns given as integer codes."""

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
    """One lookup table per categorical column, on the columns' codes.

    The input holds one integer code per column (as `StringLookup` with
    `output_mode="int"` gives; floats holding integers are accepted): code
    `k` of column i becomes row k of its `(sizes[i], dims[i])` table `E_i`,
    as `keras.layers.Embedding` would give. The embeddings are
    concatenated. Memory is one code per cell, whatever the vocabulary.

    Example:

    >>> import numpy as np
    >>> from custom_layers import CategoryEmbedding
    >>> layer = CategoryEmbedding([2, 3], [1, 2], embeddings_initializer="ones")
    >>> np.asarray(layer(np.array([[1, 2]])))
    array([[1., 1., 1.]], dtype=float32)

    Args:
        sizes: per column, the number of codes (the vocabulary's size).
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
        if input_shape[-1] != len(self.sizes):
            raise ValueError(
                f"CategoryEmbedding expects {len(self.sizes)} code columns "
                f"(sizes={self.sizes}). Received: input_shape={input_shape}"
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
        """Returns `[E_0[code_0], E_1[code_1], ...]` concatenated."""
        codes = ops.cast(inputs, "int32")
        parts = [
            ops.take(table, codes[:, i], axis=0)
            for i, table in enumerate(self.tables)
        ]
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
