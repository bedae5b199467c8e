"""ResidualBlock: y = f(F(x) + x), projection, identity, gradients."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import finite_differences, rng, tape_gradients

import custom_layers as cl


def _np_block(block, x, f):
    """Recomputes the block from its weights (no normalization/dropout)."""

    def dense(layer, h):
        out = h @ np.asarray(layer.kernel)
        return out if layer.bias is None else out + np.asarray(layer.bias)

    h = dense(block.dense_2, f(dense(block.dense_1, x)))
    shortcut = x if block.projection is None else dense(block.projection, x)
    return f(h + shortcut)


@pytest.mark.parametrize("n_in", [4, 6])
@pytest.mark.parametrize(
    "activation, f",
    [("relu", lambda z: np.maximum(z, 0)), ("tanh", np.tanh)],
)
def test_output_is_activation_of_branch_plus_shortcut(n_in, activation, f):
    x = rng().normal(size=(7, n_in))
    block = cl.ResidualBlock(6, activation=activation, dtype="float64")
    y = np.asarray(block(x))
    np.testing.assert_allclose(y, _np_block(block, x, f), rtol=1e-12)
    if n_in == 6:
        assert block.projection is None
        assert len(block.trainable_weights) == 4
    else:
        assert block.projection.kernel.shape == (4, 6)
        assert block.projection.bias is None
        assert len(block.trainable_weights) == 5
    assert y.shape == block.compute_output_shape(x.shape)


@pytest.mark.parametrize("normalization", [None, "batch", "layer"])
def test_block_can_represent_the_identity(normalization):
    x = rng().normal(size=(9, 5)).astype("float32")
    block = cl.ResidualBlock(
        5, activation="identity", normalization=normalization
    )
    block(x)
    if normalization is None:
        block.dense_2.kernel.assign(np.zeros((5, 5)))
        block.dense_2.bias.assign(np.zeros(5))
    else:  # gamma = beta = 0 silences the branch
        block.norm_2.gamma.assign(np.zeros(5))
        block.norm_2.beta.assign(np.zeros(5))
    for training in (False, True):
        np.testing.assert_allclose(
            np.asarray(block(x, training=training)), x, atol=1e-6
        )
    # With ReLU: identity on non-negative inputs (outputs of a ReLU block).
    relu_block = cl.ResidualBlock(5, activation="relu")
    relu_block(x)
    relu_block.dense_2.kernel.assign(np.zeros((5, 5)))
    relu_block.dense_2.bias.assign(np.zeros(5))
    np.testing.assert_allclose(
        np.asarray(relu_block(np.abs(x))), np.abs(x), atol=1e-6
    )


def test_block_learns_the_identity_by_gradient_descent():
    x = rng().normal(size=(256, 4)).astype("float32")
    inputs = keras.Input((4,))
    outputs = cl.ResidualBlock(4, activation="identity", seed=0)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    start = model.evaluate(x, x, verbose=0)
    model.fit(x, x, epochs=30, batch_size=32, verbose=0)
    end = model.evaluate(x, x, verbose=0)
    assert start > 0.1 and end < 1e-3 * start


@pytest.mark.parametrize(
    "activation, normalization, n_in",
    [("tanh", "batch", 3), ("elu", "layer", 4), ("softsign", None, 3)],
)
def test_gradients_match_finite_differences(activation, normalization, n_in):
    x = rng().normal(size=(4, n_in))
    block = cl.ResidualBlock(
        4, activation=activation, normalization=normalization, dtype="float64"
    )
    block.build(x.shape)
    w = rng(2).normal(size=(4, 4))
    for a, n in zip(
        tape_gradients(block, x, w, training=True),
        finite_differences(block, x, w, training=True),
        strict=True,
    ):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


def test_dropout_and_batch_norm_follow_the_training_flag():
    x = rng().normal(size=(32, 6)).astype("float32")
    block = cl.ResidualBlock(6, normalization="batch", dropout=0.5, seed=1)
    assert isinstance(block.dropout_layer, cl.Dropout)
    assert isinstance(block.norm_1, cl.BatchNorm)
    a = np.asarray(block(x, training=True))
    b = np.asarray(block(x, training=True))
    assert not np.allclose(a, b)  # fresh dropout masks
    np.testing.assert_array_equal(
        np.asarray(block(x)), np.asarray(block(x, training=False))
    )
    assert np.any(np.asarray(block.norm_1.moving_mean) != 0)
    assert isinstance(
        cl.ResidualBlock(3, normalization="layer").norm_2, cl.LayerNorm
    )
    assert cl.ResidualBlock(3).dropout_layer is None


def test_activation_layers_are_separate_instances():
    prelu = cl.PReLU(alpha_initializer=0.1)
    block = cl.ResidualBlock(3, activation=prelu)
    block.build((None, 3))
    assert block.inner_activation is prelu
    assert block.outer_activation is not prelu
    assert len(block.trainable_weights) == 6  # 2 kernels, 2 biases, 2 alphas


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"units": 0}, "units=0"),
        ({"units": 3, "normalization": "group"}, "normalization='group'"),
        ({"units": 3, "dropout": 1.0}, "dropout=1.0"),
        ({"units": 3, "activation": "swishy"}, "activation='swishy'"),
    ],
)
def test_bad_arguments_raise(kwargs, argument):
    with pytest.raises(ValueError, match=f"Received: {argument}"):
        cl.ResidualBlock(**kwargs)


def test_kernel_initializer_reaches_every_dense_layer():
    block = cl.ResidualBlock(64, kernel_initializer="small_normal", seed=3)
    block.build((None, 32))
    for dense in (block.dense_1, block.dense_2, block.projection):
        std = float(np.std(np.asarray(dense.kernel)))
        assert std == pytest.approx(0.01, rel=0.1)
    assert block.get_config()["kernel_initializer"] == "small_normal"


def test_kernel_regularizer_penalizes_every_kernel():
    # The closed form: l1 * sum|W| + l2 * sum W^2 over the three kernels
    # (biases are not penalized), as Keras's Dense would add.
    l1, l2 = 1e-3, 1e-2
    block = cl.ResidualBlock(
        5, kernel_regularizer=keras.regularizers.L1L2(l1=l1, l2=l2), seed=0
    )
    block(np.ones((2, 3), "float32"))
    kernels = [
        np.asarray(d.kernel)
        for d in (block.dense_1, block.dense_2, block.projection)
    ]
    expected = sum(
        l1 * np.abs(k).sum() + l2 * np.square(k).sum() for k in kernels
    )
    assert float(sum(block.losses)) == pytest.approx(expected, rel=1e-5)
    again = cl.ResidualBlock.from_config(block.get_config())
    assert again.kernel_regularizer.get_config() == {"l1": l1, "l2": l2}
    assert not cl.ResidualBlock(5).losses
