"""SGD: w = w - lr * g."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import SGD

# float32 optimizer against float64 NumPy over 100 steps: the rounding
# drift stays below 5e-7 on weights of order 1.
NP_RTOL, NP_ATOL = 1e-5, 1e-6
# Against the Keras built-in (same float32 arithmetic; in practice equal
# bit for bit).
KERAS_RTOL, KERAS_ATOL = 1e-5, 1e-7


def test_matches_keras_builtin():
    ours = tl.mlp_trajectory(SGD(learning_rate=0.05), iterations0=5)
    keras_sgd = keras.optimizers.SGD(learning_rate=0.05)
    theirs = tl.mlp_trajectory(keras_sgd, iterations0=5)
    tl.assert_trajectories_close(ours, theirs, KERAS_RTOL, KERAS_ATOL)


def test_matches_numpy_formula():
    problem = tl.LeastSquares()
    ours = tl.optimizer_trajectory(
        SGD(learning_rate=0.05), problem.params0, {}, problem.grad, 100
    )
    expected = tl.np_trajectory(
        tl.np_sgd, {}, problem.params0, {}, problem.grad, 100, lr=0.05
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)


def test_one_step_by_hand():
    w = keras.Variable([[1.0, -2.0], [0.5, 0.0]])
    SGD(learning_rate=0.3).apply([np.array([[1.0, 2.0], [-4.0, 0.5]])], [w])
    np.testing.assert_allclose(
        w.numpy(), [[0.7, -2.6], [1.7, -0.15]], rtol=1e-6
    )


def test_defaults_and_config():
    opt = SGD()
    assert opt.learning_rate.numpy() == pytest.approx(0.01)
    config = SGD(learning_rate=0.2, clipnorm=1.5, name="plain").get_config()
    assert config["learning_rate"] == pytest.approx(0.2)
    assert config["clipnorm"] == 1.5
    assert SGD.from_config(config).get_config() == config


def test_has_no_slots():
    opt = SGD()
    opt.build([keras.Variable(np.zeros(3))])
    # Only the iteration count and the learning rate.
    assert len(opt.variables) == 2
