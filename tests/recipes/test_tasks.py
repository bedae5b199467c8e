"""The task head: activation and loss per task, and auto_recipe's choice."""

import keras
import numpy as np
import pandas as pd
import pytest

from recipes import (
    ArgumentError,
    BinaryClassification,
    DataError,
    MulticlassClassification,
    Regression,
    auto_recipe,
)
from tests.conftest import make_frame


def _networks(recipe) -> list:
    """The networks of a recipe's model: one, or its ensemble's members."""
    names = [layer.name for layer in recipe.model_.layers]
    if "network" in names:
        return [recipe.model_.get_layer("network")]
    ensemble = recipe.model_.get_layer("ensemble")
    (layer,) = [lay for lay in ensemble.layers if hasattr(lay, "members")]
    return layer.members


@pytest.mark.parametrize(
    "task, activation, loss",
    [
        ("regression", "linear", keras.losses.MeanSquaredError),
        ("binary", "sigmoid", keras.losses.BinaryCrossentropy),
        ("multiclass", "softmax", keras.losses.CategoricalCrossentropy),
    ],
)
def test_head_activation_and_loss(task, activation, loss, fitted):
    from recipes.preparation import FOLDS

    networks = _networks(fitted[task])
    assert len(networks) == FOLDS  # 400 rows: cross-fitted by default
    for network in networks:
        head = network.get_layer("head")
        assert head.activation.__name__ == activation
        assert head.units == (3 if task == "multiclass" else 1)
        assert isinstance(network.loss, loss)


@pytest.mark.parametrize(
    "task, embedded, smoothing",
    [
        ("regression", {"numeric_embedding", "categorical_embedding"}, None),
        ("binary", {"numeric_embedding", "categorical_embedding"}, 0.0),
        ("multiclass", {"categorical_embedding"}, 0.1),
    ],
)
def test_task_defaults_shape_the_network(task, embedded, smoothing, fitted):
    """The defaults chosen by benchmarks/ablation.py are what `fit` built."""
    for network in _networks(fitted[task]):
        names = {layer.name for layer in network.layers}
        assert names & {"numeric_embedding", "categorical_embedding"} == (
            embedded
        )
        if smoothing is not None:
            assert network.loss.label_smoothing == smoothing


@pytest.mark.parametrize("value", [1.0, -0.1, "0.1"])
def test_label_smoothing_out_of_range_is_named(value):
    recipe = BinaryClassification(
        target="y", hyperparameters={"label_smoothing": value}
    )
    with pytest.raises(ArgumentError, match="label_smoothing must be"):
        recipe.fit(make_frame("binary", 50))


@pytest.mark.parametrize(
    "name, loss",
    [("mae", keras.losses.MeanAbsoluteError), ("huber", keras.losses.Huber)],
)
def test_regression_losses_on_request(name, loss):
    recipe = Regression(target="y", loss=name, epochs=2, ensemble=1)
    recipe.fit(make_frame("regression", 120))
    assert isinstance(_networks(recipe)[0].loss, loss)


def test_unknown_loss_names_the_choices():
    with pytest.raises(
        ArgumentError, match="unknown loss 'hinge'.*mse, mae, huber"
    ):
        Regression(target="y", loss="hinge").fit(make_frame("regression", 50))


def test_regression_predictions_are_in_target_units(fitted, csvs):
    """The network learns a standardized target; the model scales it back."""
    frame = pd.read_csv(csvs["regression"][1])
    predicted = fitted["regression"].predict(frame)["prediction"]
    assert abs(predicted.mean() - frame["y"].mean()) < 0.3 * frame["y"].std()
    scale = fitted["regression"].model_.get_layer("target_scale")
    assert scale.mean == pytest.approx(
        pd.read_csv(csvs["regression"][0])["y"].mean(), rel=0.2
    )


@pytest.mark.parametrize(
    "target, expected",
    [
        (np.linspace(0.5, 9.5, 40), Regression),
        (["a", "b"] * 20, BinaryClassification),
        ([0, 1] * 20, BinaryClassification),
        ([True, False] * 20, BinaryClassification),
        (["x", "y", "z", "w"] * 10, MulticlassClassification),
        (list(range(5)) * 8, MulticlassClassification),
    ],
)
def test_auto_recipe_picks_the_task(target, expected):
    frame = pd.DataFrame({"f": np.arange(40.0), "t": target})
    recipe = auto_recipe(frame, target="t", seed=3)
    assert type(recipe) is expected
    assert recipe.seed == 3


@pytest.mark.parametrize(
    "target",
    [[f"label{i}" for i in range(60)] * 2, ["only"] * 120, list(range(120))],
)
def test_auto_recipe_asks_for_the_task_when_unsure(target):
    frame = pd.DataFrame({"f": np.arange(120.0), "t": target})
    with pytest.raises(DataError, match="pass task= / --task"):
        auto_recipe(frame, target="t")


def test_binary_refuses_three_classes_and_a_single_class():
    frame = make_frame("multiclass", 60)
    with pytest.raises(
        DataError, match="3 classes; use MulticlassClassification"
    ):
        BinaryClassification(target="y").fit(frame)
    with pytest.raises(DataError, match="single class"):
        BinaryClassification(target="y").fit(frame.assign(y="same"))


def test_class_weights_are_off_by_default_and_auto_for_rare_classes():
    frame = make_frame("binary", 300)
    frame["y"] = np.where(np.arange(300) < 30, "rare", "common")  # 10 %
    assert BinaryClassification(target="y").prepare(frame).class_weight is None
    recipe = BinaryClassification(target="y", epochs=1, class_weight="auto")
    data = recipe.prepare(frame)
    assert data.class_weight[0] < 1 < data.class_weight[1]  # "common" < "rare"
    balanced = make_frame("binary", 300)
    assert (
        BinaryClassification(target="y", class_weight="auto")
        .prepare(balanced)
        .class_weight
        is None
    )
    forced = BinaryClassification(target="y", class_weight="balanced")
    assert forced.prepare(balanced).class_weight is not None


def test_default_network_is_built_from_the_course_components(fitted):
    import custom_layers
    import custom_optimizers

    network = _networks(fitted["binary"])[0]
    assert isinstance(network.get_layer("dense_0"), custom_layers.Dense)
    assert any(
        isinstance(layer, custom_layers.ReLU) for layer in network.layers
    )
    assert isinstance(network.optimizer, custom_optimizers.Adam)


@pytest.mark.parametrize(
    "hp, kind",
    [
        ({"residual": True, "normalization": "batch"}, "ResidualBlock"),
        ({"normalization": "layer", "activation": "elu"}, "LayerNorm"),
        ({"optimizer": "nesterov", "lr_decay": "step"}, "Nesterov"),
    ],
)
def test_hyperparameters_choose_the_components(hp, kind):
    from recipes.network import build_network, build_optimizer, hyperparameters

    network = build_network(4, 1, "sigmoid", hp)
    optimizer = build_optimizer(hyperparameters(hp), 100)
    names = {type(layer).__name__ for layer in network.layers}
    assert kind in names | {type(optimizer).__name__}


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("task_name", ["binary", "multiclass"])
def test_trivial_loss_is_keras_loss_of_the_prior(task_name, smoothing):
    # The report's baseline: predicting the training prior for every row,
    # scored by the loss the networks trained with (label smoothing too).
    from recipes import network, tasks

    counts = [2, 3] if task_name == "binary" else [1, 2, 5]
    rows = sum(counts)
    prior = [c / rows for c in counts]
    labels = np.repeat(np.arange(len(counts)), counts)
    task = tasks.get(task_name)
    loss = network.build_loss(task.losses[0], smoothing)
    if task_name == "binary":
        y, predicted = labels[:, None], np.full((rows, 1), prior[1])
    else:
        y = np.eye(len(counts))[labels]
        predicted = np.tile(prior, (rows, 1))
    expected = float(loss(y.astype("float32"), predicted.astype("float32")))
    got = task.trivial_loss(prior, task.losses[0], smoothing)
    assert got == pytest.approx(expected, rel=1e-5)


def test_residual_networks_are_regularized_too():
    # residual=True once dropped l1/l2 (issue 20, item 9).
    from recipes import network

    plain = network.build_network(4, 1, None, {"residual": True})
    penalized = network.build_network(
        4, 1, None, {"residual": True, "l2": 1e-3, "hidden_layers": 2}
    )
    assert not plain.losses
    blocks = [layer for layer in penalized.layers if "residual" in layer.name]
    assert len(blocks) == 2 and all(block.losses for block in blocks)
