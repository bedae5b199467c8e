"""Embeddings of categories and numbers, against references."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import finite_differences, rng, tape_gradients

import custom_layers as cl


def test_category_embedding_is_a_lookup_per_column():
    """Each column's code picks its row, as keras.layers.Embedding would,
    whether the codes come as integers or as the preprocessor's floats."""
    sizes, dims = [3, 5], [2, 4]
    indices = rng().integers(0, 5, size=(20, 2)) % np.array(sizes)
    layer = cl.CategoryEmbedding(sizes, dims, embeddings_initializer="normal")
    out = np.asarray(layer(indices.astype("float32")))
    np.testing.assert_array_equal(out, np.asarray(layer(indices)))
    expected = []
    for i, (size, dim) in enumerate(zip(sizes, dims, strict=True)):
        lookup = keras.layers.Embedding(size, dim)
        lookup.build((None,))
        lookup.embeddings.assign(layer.tables[i])
        expected.append(np.asarray(lookup(indices[:, i])))
    np.testing.assert_allclose(out, np.concatenate(expected, axis=1), atol=1e-7)


def test_category_embedding_sizes_follow_cardinality_and_are_checked():
    layer = cl.CategoryEmbedding([3, 101])
    assert layer.dims == [3, 21]
    assert [cl.embedding_size(n) for n in (2, 10, 100, 10**6)] == [2, 6, 21, 32]
    with pytest.raises(ValueError, match="one dim per column"):
        cl.CategoryEmbedding([3, 4], [2])
    with pytest.raises(ValueError, match="expects 2 code columns"):
        cl.CategoryEmbedding([3, 4])(np.zeros((2, 6), "float32"))


def _periodic_reference(x, layer):
    c = np.asarray(layer.coefficients, np.float64)
    w, b = np.asarray(layer.kernel, np.float64), np.asarray(layer.bias)
    angles = 2 * np.pi * x[:, :, None] * c[None]
    v = np.concatenate([np.cos(angles), np.sin(angles)], axis=-1)
    out = np.maximum(np.einsum("bnk,nku->bnu", v, w) + b, 0.0)
    return out.reshape(len(x), -1)


def test_periodic_embedding_matches_numpy():
    x = rng().normal(size=(16, 3))
    layer = cl.PeriodicEmbedding(frequencies=5, units=4, sigma=0.7, seed=1)
    out = np.asarray(layer(x.astype("float32")))
    assert out.shape == (16, 12)
    np.testing.assert_allclose(out, _periodic_reference(x, layer), atol=1e-5)
    frequencies = np.asarray(layer.coefficients)
    assert 0.3 < frequencies.std() < 1.2  # drawn from N(0, sigma = 0.7)


def test_periodic_embedding_gradients_match_finite_differences():
    x = rng(2).normal(size=(3, 2))
    layer = cl.PeriodicEmbedding(2, 3, sigma=0.5, seed=0, dtype="float64")
    layer.build(x.shape)
    layer.bias.assign(np.full((2, 3), 0.3))  # away from ReLU's kink
    w = rng(3).normal(size=(3, 6))
    for a, n in zip(
        tape_gradients(layer, x, w),
        finite_differences(layer, x, w),
        strict=True,
    ):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)
