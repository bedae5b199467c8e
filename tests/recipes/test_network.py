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


@pytest.mark.parametrize(
    "optimizer, own",
    [
        ("adam", {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6}),
        ("rmsprop", {"rho": 0.95, "epsilon": 1e-5}),
        ("nesterov", {"momentum": 0.5}),
        ("momentum", {"momentum": 0.7}),
        ("adagrad", {"epsilon": 1e-4}),
    ],
)
def test_the_optimizers_own_hyperparameters_reach_it(optimizer, own):
    hp = hyperparameters({"optimizer": optimizer, "clipnorm": 2.0, **own})
    built = build_optimizer(hp, decay_steps=10)
    for key, value in own.items():
        assert getattr(built, key) == pytest.approx(value)
    assert built.clipnorm == 2.0
    assert build_optimizer(hyperparameters(), 10).clipnorm is None


def test_the_initializer_sets_the_hidden_kernels_scale():
    """The course's He initialization, N(0, 1) * 0.001 * sqrt(2 / n_in)."""
    hp = hyperparameters({"initializer": "course_he_normal", "units": 256})
    network = build_network(400, units=1, activation="linear", hp=hp)
    kernel = network.get_layer("dense_0").kernel.numpy()
    assert kernel.std() == pytest.approx(0.001 * np.sqrt(2 / 400), rel=0.05)


def test_input_noise_acts_in_training_only():
    hp = hyperparameters({"noise": 0.5})
    network = build_network(4, units=1, activation="linear", hp=hp)
    assert network.get_layer("input_noise").stddev == 0.5
    x = np.ones((64, 4), "float32")
    inference = [np.asarray(network(x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    assert np.ptp(np.asarray(network(x, training=True))) > 0  # rows differ


@pytest.mark.parametrize(
    "key, value",
    [
        ("momentum", 1.0),
        ("beta_2", -0.1),
        ("epsilon", 0.0),
        ("noise", -1.0),
        ("clipnorm", True),
        ("initializer", "zeros_please"),
    ],
)
def test_the_course_knobs_are_range_checked(key, value):
    with pytest.raises(ArgumentError, match=key):
        hyperparameters({key: value})


def test_the_search_space_pairs_dropout_with_no_batch_norm():
    """The course: batch norm or dropout, not both at first."""
    from recipes.network import SEARCH_SPACE
    from tuning.space import to_hyperparameters

    space = to_hyperparameters(SEARCH_SPACE)
    for normalization, active in [
        ("batch", False),
        ("none", True),
        ("layer", True),
    ]:
        space.values["normalization"] = normalization
        assert space.is_active("dropout") == active


def test_batch_norm_and_dropout_set_together_warn():
    from recipes import BinaryClassification

    both = {"normalization": "batch", "dropout": 0.2}
    recipe = BinaryClassification(target="y", hyperparameters=both)
    with pytest.warns(UserWarning, match="batch norm or dropout, not both"):
        recipe.network_hyperparameters()
