"""Every layer: config, `.keras` file and SavedModel round-trips."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from layer_helpers import LAYER_CASES, randomize_weights, rng

import custom_layers as cl

NAMES = sorted(LAYER_CASES)


def _model(name: str) -> keras.Model:
    factory, shape = LAYER_CASES[name]
    inputs = keras.Input(shape, name="x")
    model = keras.Model(inputs, factory()(inputs), name=f"m_{name}")
    randomize_weights(model)
    return model


def _json(config: dict) -> dict:
    return json.loads(json.dumps(config))


def _input(name: str, batch: int = 8) -> np.ndarray:
    shape = LAYER_CASES[name][1]
    if name == "category_embedding":  # codes: 0 or 1 fit both tables
        return rng().integers(0, 2, size=(batch,) + shape).astype("float32")
    return rng().normal(size=(batch,) + shape).astype("float32")


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_rebuilds_the_same_layer(name):
    layer = LAYER_CASES[name][0]()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    registered = keras.saving.get_registered_name(type(layer))
    assert registered == f"custom_layers>{type(layer).__name__}"
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    assert type(restored) is type(layer)


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_matches_compute_output_shape(name):
    layer = LAYER_CASES[name][0]()
    x = _input(name, batch=3)
    actual = tuple(layer(x).shape)
    assert actual == tuple(layer.compute_output_shape(x.shape))
    symbolic = tuple(layer.compute_output_shape((None,) + x.shape[1:]))
    assert symbolic == (None,) + actual[1:]


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_round_trip_gives_identical_outputs(name, tmp_path):
    model = _model(name)
    x = _input(name)
    expected = np.asarray(model(x, training=False))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        np.asarray(loaded(x, training=False)), expected
    )
    assert len(model.weights) == len(loaded.weights)
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # The rebuilt layer keeps its arguments (JSON turns tuples into lists).
    assert _json(loaded.layers[-1].get_config()) == _json(
        model.layers[-1].get_config()
    )


def test_saved_model_export_of_every_layer_gives_identical_outputs(tmp_path):
    # One export for all layers: each is a parallel branch of one model.
    inputs = {
        name: keras.Input(LAYER_CASES[name][1], name=name) for name in NAMES
    }
    outputs = {name: LAYER_CASES[name][0]()(inputs[name]) for name in NAMES}
    model = keras.Model(inputs, outputs)
    randomize_weights(model)
    x = {name: _input(name) for name in NAMES}
    expected = model(x, training=False)
    model.export(str(tmp_path / "saved"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    served = reloaded.serve(x)
    assert set(served) == set(NAMES)
    for name in NAMES:
        np.testing.assert_allclose(
            np.asarray(served[name]),
            np.asarray(expected[name]),
            rtol=1e-6,
            atol=1e-6,
            err_msg=name,
        )
    # Serving needs TensorFlow only: load in a process that cannot import
    # this project (-I: isolated, the project is not on sys.path).
    np.savez(tmp_path / "x.npz", **x)
    code = (
        "import sys, numpy as np, tensorflow as tf\n"
        "m = tf.saved_model.load('saved')\n"
        "x = dict(np.load('x.npz'))\n"
        "y = {k: v.numpy() for k, v in m.serve(x).items()}\n"
        "assert 'custom_layers' not in sys.modules\n"
        "np.savez('y.npz', **y)\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, env=env, check=True
    )
    other = np.load(tmp_path / "y.npz")
    for name in NAMES:
        np.testing.assert_allclose(
            other[name], np.asarray(expected[name]), rtol=1e-6, atol=1e-6
        )


def test_every_public_layer_has_a_round_trip_case():
    covered = {type(LAYER_CASES[n][0]()) for n in NAMES}
    public = {
        getattr(cl, name)
        for name in cl.__all__
        if isinstance(getattr(cl, name), type)
        and issubclass(getattr(cl, name), keras.layers.Layer)
    }
    assert public <= covered, public - covered
