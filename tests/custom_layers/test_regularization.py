"""Dropout and GaussianNoise: statistics in training, identity at inference."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from layer_helpers import rng

import custom_layers as cl


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.75])
def test_dropout_preserves_the_expected_value(rate):
    x = rng().uniform(0.5, 2.0, size=(400, 500)).astype("float32")
    layer = cl.Dropout(rate, seed=3)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=True)
    grad = np.asarray(tape.gradient(y, xt))
    y = np.asarray(y)
    kept = y != 0.0
    n = x.size
    # Each element kept with probability 1 - rate, to 5 standard errors.
    assert abs((1 - kept.mean()) - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    # Survivors are scaled by exactly 1 / (1 - rate); so is their gradient.
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    np.testing.assert_allclose(grad, kept / (1 - rate), rtol=1e-6)
    # E[y / x] = 1: the mean is preserved (var of y/x is rate / (1 - rate)).
    ratio = y / x
    assert abs(ratio.mean() - 1.0) < 5 * np.sqrt(rate / (1 - rate) / n)


def test_dropout_is_identity_at_inference_like_keras():
    x = rng().normal(size=(8, 6)).astype("float32")
    layer = cl.Dropout(0.5, seed=1)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(
        np.asarray(layer(x)), np.asarray(keras.layers.Dropout(0.5)(x))
    )
    np.testing.assert_array_equal(
        np.asarray(cl.Dropout(0.0)(x, training=True)), x
    )


def test_dropout_masks_are_seeded_and_fresh_per_call():
    x = np.ones((50, 40), dtype="float32")
    a, b = cl.Dropout(0.5, seed=7), cl.Dropout(0.5, seed=7)
    first = np.asarray(a(x, training=True))
    np.testing.assert_array_equal(first, np.asarray(b(x, training=True)))
    second = np.asarray(a(x, training=True))
    assert np.mean(first != second) > 0.3


@pytest.mark.filterwarnings("ignore:The model does not have any trainable")
def test_dropout_inside_fit_drops_and_evaluate_does_not():
    inputs = keras.Input((20,))
    model = keras.Model(inputs, cl.Dropout(0.5, seed=0)(inputs))
    model.compile(loss="mse")
    x = np.ones((64, 20), dtype="float32")
    # target = inputs: evaluate (inference) gives 0; training mode does not.
    assert model.evaluate(x, x, verbose=0) == 0.0
    train_loss = model.fit(x, x, epochs=1, verbose=0).history["loss"][0]
    assert train_loss == pytest.approx(1.0, rel=0.2)  # E[(y-1)^2] = 1


@pytest.mark.parametrize("stddev", [0.1, 2.0])
def test_gaussian_noise_adds_zero_mean_noise_in_training(stddev):
    x = rng().normal(size=(300, 400)).astype("float32")
    layer = cl.GaussianNoise(stddev, seed=5)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=True)
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, xt)), 1.0)
    noise = np.asarray(y, dtype=float) - x
    n = noise.size
    assert abs(noise.mean()) < 5 * stddev / np.sqrt(n)
    assert abs(noise.std() - stddev) < 5 * stddev / np.sqrt(2 * n)
    # Gaussian, not merely the right moments: ~68.3% within one stddev.
    within = np.mean(np.abs(noise) < stddev)
    assert abs(within - 0.6827) < 5 * np.sqrt(0.6827 * 0.3173 / n)


def test_gaussian_noise_is_identity_at_inference_like_keras():
    x = rng().normal(size=(8, 6)).astype("float32")
    layer = cl.GaussianNoise(0.5, seed=1)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(
        np.asarray(layer(x)), np.asarray(keras.layers.GaussianNoise(0.5)(x))
    )
    np.testing.assert_array_equal(
        np.asarray(cl.GaussianNoise(0.0)(x, training=True)), x
    )
    a = cl.GaussianNoise(1.0, seed=9)(x, training=True)
    b = cl.GaussianNoise(1.0, seed=9)(x, training=True)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize(
    "factory, argument",
    [
        (lambda: cl.Dropout(1.0), "rate=1.0"),
        (lambda: cl.Dropout(-0.1), "rate=-0.1"),
        (lambda: cl.GaussianNoise(-1.0), "stddev=-1.0"),
    ],
)
def test_bad_arguments_raise(factory, argument):
    with pytest.raises(ValueError, match=f"Received: {argument}"):
        factory()
