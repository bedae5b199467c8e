"""Dense: forward, Keras parity, gradients; the course's initializations."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import finite_differences, rng, tape_gradients

import custom_layers as cl
from custom_layers.initializers import SMALL_NORMAL_STDDEV, get_initializer


@pytest.mark.parametrize(
    "activation, f",
    [
        (None, lambda z: z),
        ("tanh", np.tanh),
        ("elu", lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0)))),
        ("prelu", lambda z: np.where(z > 0, z, 0.25 * z)),
        ("gelu", None),  # a Keras name: checked against Keras below
    ],
)
@pytest.mark.parametrize("use_bias", [True, False])
def test_forward_is_activation_of_affine_map(activation, f, use_bias):
    x = rng().normal(size=(5, 2, 4))
    layer = cl.Dense(
        3,
        activation=activation,
        use_bias=use_bias,
        bias_initializer="random_normal",
        dtype="float64",
    )
    y = np.asarray(layer(x))
    z = x @ np.asarray(layer.kernel)
    if use_bias:
        assert np.any(np.asarray(layer.bias) != 0)
        z = z + np.asarray(layer.bias)
    else:
        assert layer.bias is None and len(layer.trainable_weights) == (
            2 if activation == "prelu" else 1
        )
    if f is None:
        f = lambda v: np.asarray(keras.activations.get(activation)(v))  # noqa: E731
    np.testing.assert_allclose(y, f(z), rtol=1e-12, atol=1e-12)
    assert y.shape == layer.compute_output_shape(x.shape) == (5, 2, 3)


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh"])
def test_matches_keras_dense_with_same_weights(activation):
    x = rng().normal(size=(16, 7)).astype("float32")
    ours = cl.Dense(5, activation=activation)
    theirs = keras.layers.Dense(5, activation=activation)
    ours.build(x.shape)
    theirs.build(x.shape)
    theirs.set_weights([rng(1).normal(size=(7, 5)), rng(2).normal(size=(5,))])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6
    )
    w = rng(3).normal(size=(16, 5)).astype("float32")
    for a, b in zip(
        tape_gradients(ours, x, w), tape_gradients(theirs, x, w), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", ["softsign", "prelu", "isru"])
def test_gradients_match_finite_differences(activation):
    x = rng().normal(size=(4, 3))
    layer = cl.Dense(2, activation=activation, dtype="float64")
    layer.build(x.shape)
    weights = rng(5).normal(size=(4, 2))
    for a, n in zip(
        tape_gradients(layer, x, weights),
        finite_differences(layer, x, weights),
        strict=True,
    ):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


def test_activation_names_config_and_errors():
    layer = cl.Dense(
        3, activation="leaky_relu", kernel_initializer="xavier_uniform"
    )
    assert isinstance(layer.activation, cl.LeakyReLU)
    config = layer.get_config()
    assert config["activation"] == "leaky_relu"
    assert config["kernel_initializer"] == "xavier_uniform"
    assert cl.Dense(2).get_config()["kernel_initializer"] == "he_normal"
    with pytest.raises(ValueError, match="units=0"):
        cl.Dense(0)
    with pytest.raises(ValueError, match="units=2.5"):
        cl.Dense(2.5)
    with pytest.raises(ValueError, match="activation='nope'"):
        cl.Dense(2, activation="nope")
    with pytest.raises(ValueError, match="kernel_initializer='he_nromal'"):
        cl.Dense(2, kernel_initializer="he_nromal")
    with pytest.raises(ValueError, match="last input axis"):
        cl.Dense(2).build((None, None))


# ---------------------------------------------------------- initializations

N_IN, N_OUT = 300, 200


@pytest.mark.parametrize(
    "name, distribution, variance",
    [
        ("glorot_normal", "normal", 2 / (N_IN + N_OUT)),
        ("xavier_normal", "normal", 2 / (N_IN + N_OUT)),
        ("glorot_uniform", "uniform", 2 / (N_IN + N_OUT)),
        ("xavier_uniform", "uniform", 2 / (N_IN + N_OUT)),
        ("he_normal", "normal", 2 / N_IN),
        ("he_uniform", "uniform", 2 / N_IN),
        ("lecun_normal", "normal", 1 / N_IN),
        ("scaled_normal", "normal", 1 / N_IN),
        ("lecun_uniform", "uniform", 1 / N_IN),
        ("small_normal", "normal", SMALL_NORMAL_STDDEV**2),
        # the course notes' normals, scaled by 0.001
        ("course_xavier_normal", "normal", 1e-6 * 2 / (N_IN + N_OUT)),
        ("course_he_normal", "normal", 1e-6 * 2 / N_IN),
        ("course_scaled_normal", "normal", 1e-6 / N_IN),
    ],
)
def test_course_initializations_have_the_stated_distribution(
    name, distribution, variance
):
    layer = cl.Dense(N_OUT, kernel_initializer=name, seed=1)
    layer.build((None, N_IN))
    w = np.asarray(layer.kernel, dtype=float).ravel()
    n = w.size
    # Mean 0 and the stated variance, to 5 standard errors.
    assert abs(w.mean()) < 5 * np.sqrt(variance / n)
    fourth = 3 if distribution == "normal" else 9 / 5  # E[w^4] / var^2
    assert abs(w.var() - variance) < 5 * variance * np.sqrt((fourth - 1) / n)
    std = np.sqrt(variance)
    beyond_two_std = np.mean(np.abs(w) > 2 * std)
    if distribution == "uniform":
        limit = np.sqrt(3 * variance)  # e.g. sqrt(6 / (n_in + n_out))
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.999 * limit
    else:
        # Untruncated: ~4.55% beyond 2 std (Keras's truncated: none).
        assert abs(beyond_two_std - 0.0455) < 5 * np.sqrt(0.0455 / n)


def test_seeded_initializers_reproduce_and_differ_by_seed():
    a = cl.Dense(4, seed=3)
    b = cl.Dense(4, seed=3)
    c = cl.Dense(4, seed=4)
    for layer in (a, b, c):
        layer.build((None, 5))
    np.testing.assert_array_equal(np.asarray(a.kernel), np.asarray(b.kernel))
    assert not np.allclose(np.asarray(a.kernel), np.asarray(c.kernel))


def test_get_initializer_defers_to_keras_and_random_sign():
    assert isinstance(get_initializer("ones"), keras.initializers.Ones)
    orthogonal = keras.initializers.Orthogonal()
    assert get_initializer(orthogonal) is orthogonal
    signs = np.asarray(cl.RandomSign(seed=0)((4000,)))
    assert set(np.unique(signs)) == {-1.0, 1.0}
    assert abs(signs.mean()) < 5 / np.sqrt(signs.size)
    assert cl.RandomSign(seed=2).get_config() == {"seed": 2}


def test_regularizers_add_their_penalties():
    layer = cl.Dense(
        3,
        kernel_regularizer=keras.regularizers.L2(0.1),
        bias_regularizer=keras.regularizers.L1(0.2),
        bias_initializer="ones",
    )
    layer.build((None, 4))
    layer(np.ones((1, 4), dtype="float32"))
    kernel = np.asarray(layer.kernel)
    expected = 0.1 * np.sum(kernel**2) + 0.2 * 3.0
    assert float(sum(layer.losses)) == pytest.approx(expected, rel=1e-5)
