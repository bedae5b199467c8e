"""BatchNorm and LayerNorm against the course's algorithm and Keras."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import finite_differences, rng, tape_gradients

import custom_layers as cl


def _set(layer, x_shape, gamma, beta):
    layer.build(x_shape)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)


# ---------------------------------------------------------------- BatchNorm


def test_batch_norm_training_uses_batch_statistics():
    x = rng().normal(loc=3.0, scale=2.0, size=(32, 5))
    gamma, beta = rng(1).normal(size=5), rng(2).normal(size=5)
    layer = cl.BatchNorm(epsilon=0.1, dtype="float64")
    _set(layer, x.shape, gamma, beta)
    y = np.asarray(layer(x, training=True))
    mu = x.sum(axis=0) / len(x)
    sigma2 = ((x - mu) ** 2).sum(axis=0) / len(x)  # biased, 1/m
    x_hat = (x - mu) / np.sqrt(sigma2 + 0.1)
    np.testing.assert_allclose(y, gamma * x_hat + beta, rtol=1e-12)


def test_batch_norm_inference_uses_moving_statistics():
    x = rng().normal(size=(8, 5))
    layer = cl.BatchNorm(epsilon=0.2, dtype="float64")
    _set(layer, x.shape, np.full(5, 2.0), np.full(5, -1.0))
    mean, var = rng(1).normal(size=5), rng(2).uniform(0.5, 2.0, size=5)
    layer.moving_mean.assign(mean)
    layer.moving_variance.assign(var)
    expected = 2.0 * (x - mean) / np.sqrt(var + 0.2) - 1.0
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-12)
    np.testing.assert_allclose(
        np.asarray(layer(x, training=False)), expected, rtol=1e-12
    )
    # Inference leaves the moving statistics alone; one example suffices.
    np.testing.assert_array_equal(np.asarray(layer.moving_mean), mean)
    np.testing.assert_allclose(
        np.asarray(layer(x[:1])), expected[:1], rtol=1e-12
    )


@pytest.mark.parametrize("momentum", [0.99, 0.9, 0.0])
def test_moving_averages_after_n_steps_equal_the_closed_form(momentum):
    batches = [rng(k).normal(k, 1 + k, size=(16, 3)) for k in range(1, 7)]
    layer = cl.BatchNorm(momentum=momentum, dtype="float64")
    for batch in batches:
        layer(batch, training=True)
    n = len(batches)
    means = np.array([b.mean(axis=0) for b in batches])
    variances = np.array([b.var(axis=0) for b in batches])
    powers = momentum ** (n - 1 - np.arange(n))[:, None]  # momentum^(N-k)
    moving_mean = 0.0 * momentum**n + (1 - momentum) * (powers * means).sum(0)
    moving_var = 1.0 * momentum**n + (1 - momentum) * (powers * variances).sum(
        0
    )
    np.testing.assert_allclose(np.asarray(layer.moving_mean), moving_mean)
    np.testing.assert_allclose(np.asarray(layer.moving_variance), moving_var)


def test_moving_averages_converge_on_a_repeated_batch():
    x = rng().normal(2.0, 3.0, size=(64, 4))
    layer = cl.BatchNorm(momentum=0.5, dtype="float64")
    for _step in range(1, 41):
        layer(x, training=True)
    factor = 1 - 0.5**40  # (1 - momentum^N) of the batch statistic
    np.testing.assert_allclose(
        np.asarray(layer.moving_mean), factor * x.mean(0), rtol=1e-12
    )
    np.testing.assert_allclose(
        np.asarray(layer.moving_variance),
        0.5**40 + factor * x.var(0),
        rtol=1e-12,
    )


@pytest.mark.parametrize("momentum, epsilon", [(0.99, 1e-3), (0.7, 0.05)])
def test_batch_norm_matches_keras(momentum, epsilon):
    ours = cl.BatchNorm(momentum=momentum, epsilon=epsilon)
    theirs = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    x0 = rng().normal(size=(32, 6)).astype("float32")
    for layer in (ours, theirs):
        layer.build(x0.shape)
        layer.gamma.assign(rng(1).normal(size=6))
        layer.beta.assign(rng(2).normal(size=6))
    for step in range(3):
        x = rng(10 + step).normal(step, 2.0, size=(32, 6)).astype("float32")
        np.testing.assert_allclose(
            np.asarray(ours(x, training=True)),
            np.asarray(theirs(x, training=True)),
            rtol=1e-6,
            atol=1e-6,
        )
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(
            np.asarray(getattr(ours, name)),
            np.asarray(getattr(theirs, name)),
            rtol=1e-6,
            atol=1e-6,
        )
    np.testing.assert_allclose(
        np.asarray(ours(x0)), np.asarray(theirs(x0)), rtol=1e-6, atol=1e-6
    )
    w = rng(4).normal(size=x0.shape).astype("float32")
    for a, b in zip(
        tape_gradients(ours, x0, w, training=True),
        tape_gradients(theirs, x0, w, training=True),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_batch_norm_axis_and_rank_3_match_keras():
    x = rng().normal(size=(8, 4, 5)).astype("float32")
    for axis in (1, -1):
        ours = cl.BatchNorm(axis=axis)
        theirs = keras.layers.BatchNormalization(axis=axis)
        np.testing.assert_allclose(
            np.asarray(ours(x, training=True)),
            np.asarray(theirs(x, training=True)),
            rtol=1e-5,
            atol=1e-5,
        )
        assert ours.gamma.shape == (x.shape[axis],)
        np.testing.assert_allclose(
            np.asarray(ours.moving_mean),
            np.asarray(theirs.moving_mean),
            atol=1e-6,
        )
        np.testing.assert_allclose(
            np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-5
        )


def test_batch_norm_mask_excludes_positions_from_the_statistics():
    x = rng().normal(size=(6, 5, 3))
    mask = rng(1).uniform(size=(6, 5)) > 0.4
    layer = cl.BatchNorm(epsilon=1e-3, dtype="float64")
    y = np.asarray(layer(x, training=True, mask=mask))
    kept = x[mask]  # (n_kept, 3)
    mu, var = kept.mean(0), kept.var(0)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-3), rtol=1e-10)
    keras_bn = keras.layers.BatchNormalization(dtype="float64")
    np.testing.assert_allclose(
        y, np.asarray(keras_bn(x, training=True, mask=mask)), atol=1e-6
    )
    with pytest.raises(ValueError, match="mask"):
        layer(x, training=True, mask=mask[:, :, None])


def test_frozen_batch_norm_runs_in_inference_mode_like_keras():
    x = rng().normal(3.0, 1.0, size=(16, 2)).astype("float32")
    layer = cl.BatchNorm()
    layer.build(x.shape)
    layer.trainable = False
    np.testing.assert_allclose(
        np.asarray(layer(x, training=True)), np.asarray(layer(x)), atol=0
    )
    np.testing.assert_array_equal(np.asarray(layer.moving_mean), 0.0)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients_match_finite_differences(training):
    x = rng().normal(size=(5, 3))
    layer = cl.BatchNorm(epsilon=0.01, dtype="float64")
    _set(layer, x.shape, rng(1).normal(size=3), rng(2).normal(size=3))
    layer.moving_variance.assign(np.array([0.5, 1.5, 2.0]))
    w = rng(3).normal(size=x.shape)
    autodiff = tape_gradients(layer, x, w, training=training)
    numeric = finite_differences(layer, x, w, training=training)
    for a, n in zip(autodiff, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "factory, argument",
    [
        (lambda: cl.BatchNorm(momentum=1.5), "momentum=1.5"),
        (lambda: cl.BatchNorm(epsilon=0.0), "epsilon=0.0"),
        (lambda: cl.LayerNorm(epsilon=-1e-3), "epsilon=-0.001"),
    ],
)
def test_bad_arguments_raise(factory, argument):
    with pytest.raises(ValueError, match=f"Received: {argument}"):
        factory()


@pytest.mark.parametrize("cls", [cl.BatchNorm, cl.LayerNorm])
def test_axis_must_be_a_known_feature_axis(cls):
    with pytest.raises(ValueError, match="axis=0"):
        cls(axis=0).build((None, 3))
    with pytest.raises(ValueError, match="axis=-1"):
        cls().build((None, None))


# ---------------------------------------------------------------- LayerNorm


def test_layer_norm_normalizes_each_example_over_its_features():
    x = rng().normal(
        loc=[[0.0], [5.0], [-3.0]], scale=[[1.0], [4.0], [0.1]], size=(3, 7)
    )
    gamma, beta = rng(1).normal(size=7), rng(2).normal(size=7)
    layer = cl.LayerNorm(epsilon=0.05, dtype="float64")
    _set(layer, x.shape, gamma, beta)
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    expected = gamma * (x - mu) / np.sqrt(var + 0.05) + beta
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-12)
    # Per example: a batch of one gives the same rows; training changes
    # nothing.
    np.testing.assert_allclose(
        np.asarray(layer(x[1:2], training=True)), expected[1:2], rtol=1e-12
    )


@pytest.mark.parametrize("epsilon, axis", [(1e-3, -1), (0.1, -1), (1e-3, 1)])
def test_layer_norm_matches_keras(epsilon, axis):
    x = rng().normal(2.0, 3.0, size=(6, 4, 5)).astype("float32")
    ours = cl.LayerNorm(epsilon=epsilon, axis=axis)
    theirs = keras.layers.LayerNormalization(epsilon=epsilon, axis=axis)
    for layer in (ours, theirs):
        layer.build(x.shape)
        layer.gamma.assign(rng(1).normal(size=x.shape[axis]))
        layer.beta.assign(rng(2).normal(size=x.shape[axis]))
    np.testing.assert_allclose(
        np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6
    )
    w = rng(3).normal(size=x.shape).astype("float32")
    for a, b in zip(
        tape_gradients(ours, x, w), tape_gradients(theirs, x, w), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_layer_norm_gradients_match_finite_differences():
    x = rng().normal(size=(3, 4))
    layer = cl.LayerNorm(epsilon=0.01, dtype="float64")
    _set(layer, x.shape, rng(1).normal(size=4), rng(2).normal(size=4))
    w = rng(3).normal(size=x.shape)
    for a, n in zip(
        tape_gradients(layer, x, w),
        finite_differences(layer, x, w),
        strict=True,
    ):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


# Two replicas in one fresh process (logical CPUs must be set up before
# TensorFlow starts): each replica gets half of a global batch whose halves
# have different means.
REPLICAS = r"""
import json
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
import custom_layers
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
x[:4] += 5.0
reference = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
errors = {}
for synchronized in (False, True):
    with strategy.scope():
        layer = custom_layers.BatchNorm(synchronized=synchronized)
        layer.build((None, 3))
    batches = tf.data.Dataset.from_tensor_slices(x).batch(8)
    batch = next(iter(strategy.experimental_distribute_dataset(batches)))
    out = strategy.run(lambda b: layer(b, training=True), args=(batch,))
    got = np.concatenate(
        [t.numpy() for t in strategy.experimental_local_results(out)]
    )
    errors[str(synchronized)] = float(np.abs(got - reference).max())
print(json.dumps(errors))
"""


def test_synchronized_statistics_span_the_replicas():
    # issue 20, item 14: per-replica statistics are not the one-process
    # network's; synchronized ones are (float32 rounding apart).
    import json
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", REPLICAS],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    errors = json.loads(done.stdout.strip().splitlines()[-1])
    assert errors["True"] < 1e-4
    assert errors["False"] > 0.5  # each half normalized on its own
    layer = cl.BatchNorm(synchronized=True)
    assert cl.BatchNorm.from_config(layer.get_config()).synchronized
