"""Activations: closed forms, derivatives, Keras parity, extremes, RReLU."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from layer_helpers import (
    ACTIVATION_CASES,
    activation_points,
    finite_differences,
    np_elu,
    np_elu_grad,
    np_isru,
    np_isru_grad,
    np_sigmoid,
    np_sigmoid_grad,
    rng,
    tape_gradients,
)

import custom_layers as cl

CASES = [pytest.param(*case[1:], id=case[0]) for case in ACTIVATION_CASES]
FD_CASES = [
    pytest.param(*case[1:4], id=case[0]) for case in ACTIVATION_CASES if case[4]
]


@pytest.mark.parametrize("factory, f, df, fd", CASES)
def test_forward_matches_closed_form(factory, f, df, fd):
    x = activation_points()
    layer64 = factory(dtype="float64")
    np.testing.assert_allclose(
        np.asarray(layer64(x)), f(x), rtol=1e-12, atol=1e-14
    )
    layer32 = factory()
    np.testing.assert_allclose(
        np.asarray(layer32(x.astype("float32"))), f(x), rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("factory, f, df, fd", CASES)
def test_gradient_matches_derivative_table(factory, f, df, fd):
    x = activation_points()
    weights = rng().normal(size=x.shape)
    grad = tape_gradients(factory(dtype="float64"), x, weights)[0]
    np.testing.assert_allclose(grad, weights * df(x), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("factory, f, df", FD_CASES)
def test_gradient_matches_finite_differences(factory, f, df):
    x = activation_points()
    weights = rng().normal(size=x.shape)
    layer = factory(dtype="float64")
    autodiff = tape_gradients(layer, x, weights)
    numeric = finite_differences(layer, x, weights)
    for a, n in zip(autodiff, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


def _keras_pairs():
    """(id, custom layer, Keras layer with the same function)."""
    return [
        ("sigmoid", cl.Sigmoid(), keras.layers.Activation("sigmoid")),
        ("tanh", cl.Tanh(), keras.layers.Activation("tanh")),
        ("softsign", cl.Softsign(), keras.layers.Activation("softsign")),
        ("relu", cl.ReLU(), keras.layers.ReLU()),
        ("identity", cl.Identity(), keras.layers.Identity()),
        (
            "leaky_relu",
            cl.LeakyReLU(),
            keras.layers.LeakyReLU(negative_slope=0.01),
        ),
        (
            "leaky_relu_0.3",
            cl.LeakyReLU(alpha=0.3),
            keras.layers.LeakyReLU(negative_slope=0.3),
        ),
        ("elu", cl.ELU(), keras.layers.ELU()),
        ("elu_0.4", cl.ELU(alpha=0.4), keras.layers.ELU(alpha=0.4)),
        (
            "rrelu_inference",
            cl.RReLU(lower=0.1, upper=0.3),
            keras.layers.LeakyReLU(negative_slope=0.2),
        ),
        ("prelu", cl.PReLU(), keras.layers.PReLU()),
        (
            "prelu_shared_axes",
            cl.PReLU(shared_axes=[1]),
            keras.layers.PReLU(shared_axes=[1]),
        ),
    ]


@pytest.mark.parametrize(
    "index", range(len(_keras_pairs())), ids=[p[0] for p in _keras_pairs()]
)
def test_matches_keras_on_same_inputs_and_weights(index):
    _, ours, theirs = _keras_pairs()[index]
    x = rng().normal(scale=3.0, size=(5, 4, 8)).astype("float32")
    ours.build(x.shape)
    theirs.build(x.shape)
    if ours.weights:  # PReLU: the same random slopes in both
        alpha = rng(7).uniform(-0.5, 0.5, size=ours.alpha.shape)
        ours.alpha.assign(alpha)
        theirs.alpha.assign(alpha)
    np.testing.assert_allclose(
        np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6
    )
    weights = rng(1).normal(size=x.shape).astype("float32")
    for a, b in zip(
        tape_gradients(ours, x, weights),
        tape_gradients(theirs, x, weights),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_sigmoid_alpha_matches_keras_sigmoid_of_scaled_input():
    x = rng().normal(scale=3.0, size=(4, 8)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(cl.Sigmoid(alpha=2.5)(x)),
        np.asarray(keras.activations.sigmoid(2.5 * x)),
        rtol=1e-6,
        atol=1e-6,
    )


EXTREME = np.array([-1e4, -1e3, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1e3, 1e4])
EXTREME_CASES = [c for c in CASES if c.id != "prelu_per_unit"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("factory, f, df, fd", EXTREME_CASES)
def test_stable_at_extreme_inputs(factory, f, df, fd, dtype):
    x = EXTREME.astype(dtype)[None]
    with np.errstate(all="ignore"):
        expected, expected_grad = f(EXTREME), df(EXTREME)
    layer = factory(dtype=dtype)
    grad = tape_gradients(layer, x, np.ones_like(x))[0].ravel()
    values = np.asarray(layer(x)).ravel()
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-6)
    # At 0 the ReLU family and the step have no derivative: skip that point.
    smooth = EXTREME != 0.0
    np.testing.assert_allclose(
        grad[smooth], expected_grad[smooth], rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    "layer, asymptote",
    [
        (cl.Sigmoid(alpha=3.0), (0.0, 1.0)),
        (cl.Tanh(), (-1.0, 1.0)),
        (cl.ArcTan(), (-np.pi / 2, np.pi / 2)),
        (cl.Softsign(), (-1.0, 1.0)),
        (cl.ISRU(), (-1.0, 1.0)),
        (cl.ISRU(alpha=0.25), (-2.0, 2.0)),
        (cl.ELU(alpha=0.5), (-0.5, 1e30)),
    ],
)
def test_saturates_to_asymptotes_far_beyond_1e4(layer, asymptote):
    x = np.array([-1e30, 1e30], dtype="float32")
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y, asymptote, rtol=1e-6)
    grad = tape_gradients(layer, x, np.ones_like(x))[0]
    assert np.all(np.isfinite(grad)) and np.all(np.abs(grad) <= 1.0)


def test_isru_gradient_is_accurate_where_autodiff_cancels():
    # f'(1e4) = (1 + 1e8)^-1.5 ~ 1e-12; term-by-term autodiff of
    # x * rsqrt(1 + x^2) in float32 loses it in cancellation.
    x = np.array([1e4, -3e3], dtype="float32")
    grad = tape_gradients(cl.ISRU(), x, np.ones_like(x))[0]
    np.testing.assert_allclose(grad, np_isru_grad(x.astype(float)), rtol=1e-5)


def test_elu_and_sigmoid_references_are_the_course_formulas():
    # Guard the NumPy references themselves against a shared mistake.
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(np_sigmoid(x, 2.0), 1 / (1 + np.exp(-2 * x)))
    s = 1 / (1 + np.exp(-2 * x))
    np.testing.assert_allclose(np_sigmoid_grad(x, 2.0), 2 * s * (1 - s))
    np.testing.assert_allclose(
        np_elu(x, 0.5), np.where(x > 0, x, 0.5 * (np.exp(x) - 1))
    )
    np.testing.assert_allclose(
        np_elu_grad(x, 0.5), np.where(x > 0, 1, 0.5 * np.exp(x))
    )
    np.testing.assert_allclose(np_isru(x, 0.5), x / np.sqrt(1 + 0.5 * x**2))
    np.testing.assert_allclose(
        np_isru_grad(x, 0.5), 1 / np.sqrt(1 + 0.5 * x**2) ** 3
    )


# ------------------------------------------------------------------- step


def test_step_cannot_be_trained_through_but_straight_through_can():
    x = rng().normal(size=(32, 4)).astype("float32")
    target = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    for straight_through, moves in ((False, False), (True, True)):
        dense = cl.Dense(1, kernel_initializer="glorot_uniform", seed=0)
        step = cl.Step(straight_through=straight_through)
        dense.build(x.shape)
        before = np.asarray(dense.kernel).copy()
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((step(dense(x)) - target) ** 2)
        grads = tape.gradient(loss, dense.trainable_variables)
        keras.optimizers.SGD(0.5).apply(grads, dense.trainable_variables)
        changed = not np.allclose(np.asarray(dense.kernel), before)
        assert changed == moves
        if not straight_through:
            assert all(np.all(np.asarray(g) == 0.0) for g in grads)


# ------------------------------------------------------------------- rrelu


def test_rrelu_training_draws_one_uniform_slope_per_element():
    lower, upper = 0.05, 0.45
    layer = cl.RReLU(lower=lower, upper=upper, seed=11)
    x = np.full((400, 250), -2.0, dtype="float32")
    x[:, :50] = 3.0  # positive part untouched
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=True)
    grad = np.asarray(tape.gradient(y, xt))
    y = np.asarray(y)
    np.testing.assert_array_equal(y[:, :50], 3.0)
    np.testing.assert_array_equal(grad[:, :50], 1.0)
    slopes = y[:, 50:] / -2.0
    # The gradient of each element is the slope it drew.
    np.testing.assert_allclose(grad[:, 50:], slopes, rtol=1e-6)
    assert slopes.min() >= lower and slopes.max() <= upper
    n = slopes.size
    mean, var = (lower + upper) / 2, (upper - lower) ** 2 / 12
    assert abs(slopes.mean() - mean) < 5 * np.sqrt(var / n)
    assert abs(slopes.var() - var) < 0.02 * var
    # Uniform, not just the right moments: each decile holds ~10%.
    counts = np.histogram(slopes, bins=10, range=(lower, upper))[0]
    assert np.all(np.abs(counts / n - 0.1) < 0.005)
    # Per element and per call: fresh slopes next time.
    again = np.asarray(layer(xt, training=True))[:, 50:] / -2.0
    assert np.mean(again == slopes) < 0.01


def test_rrelu_inference_slope_is_the_mean_slope():
    layer = cl.RReLU(lower=0.1, upper=0.5)
    assert layer.mean_slope == pytest.approx(0.3)
    x = np.array([-10.0, -1.0, 2.0], dtype="float32")
    np.testing.assert_allclose(
        np.asarray(layer(x, training=False)), [-3.0, -0.3, 2.0], rtol=1e-6
    )
    # Default training flag outside fit is inference.
    np.testing.assert_allclose(np.asarray(layer(x)), [-3.0, -0.3, 2.0])


def test_rrelu_seed_reproduces_the_draws():
    x = -np.ones((3, 5), dtype="float32")
    a = cl.RReLU(seed=5)(x, training=True)
    b = cl.RReLU(seed=5)(x, training=True)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# ------------------------------------------------------------------- prelu


def test_prelu_learns_one_slope_per_unit():
    layer = cl.PReLU()
    x = rng().normal(size=(16, 3, 5)).astype("float32")
    layer.build(x.shape)
    assert layer.alpha.shape == (3, 5)
    np.testing.assert_array_equal(np.asarray(layer.alpha), 0.25)
    weights = rng(2).normal(size=x.shape).astype("float32")
    grad_alpha = tape_gradients(layer, x, weights)[1]
    np.testing.assert_allclose(
        grad_alpha, np.sum(weights * np.minimum(x, 0.0), axis=0), rtol=1e-5
    )
    shared = cl.PReLU(shared_axes=[1], alpha_initializer=0.1)
    shared.build(x.shape)
    assert shared.alpha.shape == (1, 5)
    np.testing.assert_allclose(np.asarray(shared.alpha), 0.1)


def test_prelu_rejects_unknown_unit_axes():
    with pytest.raises(ValueError, match="shared_axes"):
        cl.PReLU().build((None, None, 4))


# ------------------------------------------------- names and bad arguments


def test_activations_table_names_every_course_activation():
    assert list(cl.ACTIVATIONS) == [
        "identity",
        "step",
        "sigmoid",
        "tanh",
        "arctan",
        "softsign",
        "isru",
        "relu",
        "leaky_relu",
        "prelu",
        "rrelu",
        "elu",
    ]
    for name, cls in cl.ACTIVATIONS.items():
        layer = cl.get_activation(name)
        assert type(layer) is cls
        assert cl.get_activation(name.upper()) is not layer  # fresh instance


def test_get_activation_resolves_aliases_keras_names_layers_and_callables():
    assert type(cl.get_activation("linear")) is cl.Identity
    assert type(cl.get_activation("heaviside")) is cl.Step
    assert type(cl.get_activation(None)) is cl.Identity
    gelu = cl.get_activation("gelu")
    assert isinstance(gelu, keras.layers.Activation)
    layer = cl.ELU(alpha=0.3)
    assert cl.get_activation(layer) is layer
    restored = cl.get_activation(keras.saving.serialize_keras_object(layer))
    assert type(restored) is cl.ELU and restored.alpha == 0.3
    doubled = cl.get_activation(lambda x: 2 * x)
    np.testing.assert_allclose(np.asarray(doubled(np.ones(2))), [2.0, 2.0])
    assert cl.get_activation("sigmoid", dtype="float64").dtype == "float64"
    with pytest.raises(ValueError, match="activation='relux'"):
        cl.get_activation("relux")
    with pytest.raises(ValueError, match="activation=3"):
        cl.get_activation(3)


@pytest.mark.parametrize(
    "factory, argument",
    [
        (lambda: cl.Sigmoid(alpha=0.0), "alpha=0.0"),
        (lambda: cl.Sigmoid(alpha=float("nan")), "alpha=nan"),
        (lambda: cl.ISRU(alpha=-1.0), "alpha=-1.0"),
        (lambda: cl.LeakyReLU(alpha=-0.1), "alpha=-0.1"),
        (lambda: cl.ELU(alpha="big"), "alpha='big'"),
        (lambda: cl.RReLU(lower=-0.1), "lower=-0.1"),
        (lambda: cl.RReLU(lower=0.4, upper=0.2), "upper=0.2"),
    ],
)
def test_bad_arguments_raise_naming_argument_and_value(factory, argument):
    with pytest.raises(ValueError, match=f"Received: {argument}"):
        factory()


def test_element_wise_layers_pass_masks_through():
    inputs = keras.Input((3, 2))
    masked = keras.layers.Masking(mask_value=0.0)(inputs)
    for name in cl.ACTIVATIONS:
        out = cl.get_activation(name)(masked)
        assert out._keras_mask is not None, name


def test_isru_in_mixed_precision_computes_in_float32():
    layer = cl.ISRU(dtype="mixed_float16")
    x = np.array([-1e4, 0.5, 300.0], dtype="float16")
    y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    np.testing.assert_allclose(
        np.asarray(y, dtype=float), np_isru(x.astype(float)), rtol=1e-3
    )
