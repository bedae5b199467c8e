"""The network's optimizer and embedding settings reach Keras as named."""

import keras
import numpy as np
import pytest

from recipes import ArgumentError
from recipes.network import build_network, build_optimizer, hyperparameters
from recipes.preprocessing import Layout


@pytest.mark.parametrize("optimizer", ["adam", "nesterov"])
def test_weight_decay_shrinks_kernels_and_leaves_biases(optimizer):
    """AdamW's decoupled rule: w <- w - lr * wd * w besides the gradient
    step; with zero gradients only the decay moves a weight."""
    hp = hyperparameters(
        {"optimizer": optimizer, "learning_rate": 0.1, "weight_decay": 0.5}
    )
    network = build_network(3, units=1, activation="linear", hp=hp)
    before = [v.numpy().copy() for v in network.trainable_variables]
    opt = build_optimizer(hp, decay_steps=10)
    opt.apply(
        [keras.ops.zeros_like(v) for v in network.trainable_variables],
        network.trainable_variables,
    )
    for variable, old in zip(network.trainable_variables, before, strict=True):
        factor = 1.0 if "bias" in variable.path else 1 - 0.1 * 0.5
        np.testing.assert_allclose(variable.numpy(), old * factor, rtol=1e-6)
    assert any("bias" in v.path for v in network.trainable_variables)


def test_no_weight_decay_by_default():
    assert build_optimizer(hyperparameters(), 10).weight_decay is None


def test_periodic_sigma_reaches_the_embedding():
    hp = hyperparameters(
        {"numeric_embedding": "periodic", "periodic_sigma": 0.02}
    )
    network = build_network(
        3, units=1, activation="linear", hp=hp, layout=Layout(3, 0, ())
    )
    layer = network.get_layer("numeric_embedding")
    assert layer.sigma == 0.02
    frequencies = layer.coefficients
    assert np.std(frequencies.numpy()) == pytest.approx(0.02, rel=0.5)


@pytest.mark.parametrize(
    "key, value",
    [
        ("weight_decay", -1e-4),
        ("periodic_sigma", 0.0),
        ("weight_decay", "1e-4"),
    ],
)
def test_out_of_range_settings_are_named(key, value):
    with pytest.raises(ArgumentError, match=f"{key} must be"):
        hyperparameters({key: value})
