"""Momentum: h = momentum * h + lr * g; w = w - h."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import SGD, Momentum

NP_RTOL, NP_ATOL = 1e-5, 1e-6
KERAS_RTOL, KERAS_ATOL = 1e-5, 1e-7


def test_matches_keras_builtin_from_nonzero_state():
    # Keras's velocity is -h: tl.set_state flips the sign for Keras.
    ours = tl.mlp_trajectory(Momentum(learning_rate=0.05, momentum=0.8))
    keras_sgd = keras.optimizers.SGD(learning_rate=0.05, momentum=0.8)
    theirs = tl.mlp_trajectory(keras_sgd)
    tl.assert_trajectories_close(ours, theirs, KERAS_RTOL, KERAS_ATOL)


def test_matches_numpy_formula_from_nonzero_state():
    problem = tl.LeastSquares()
    state = tl.random_state(["h"], problem.shapes, seed=3)
    opt = Momentum(learning_rate=0.03, momentum=0.8)
    ours = tl.optimizer_trajectory(
        opt, problem.params0, state, problem.grad, 100
    )
    expected = tl.np_trajectory(
        tl.np_momentum,
        {"momentum": 0.8},
        problem.params0,
        state,
        problem.grad,
        100,
        lr=0.03,
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    # The final momentum term too.
    final_h = tl.read_state(opt)["h"]
    np_h = state["h"]
    params = [p.astype(np.float64) for p in problem.params0]
    for step in range(100):
        grads = problem.grad(params, step)
        np_h = [0.8 * h + 0.03 * g for h, g in zip(np_h, grads, strict=True)]
        params = [p - h for p, h in zip(params, np_h, strict=True)]
    for a, e in zip(final_h, np_h, strict=True):
        np.testing.assert_allclose(a, e, rtol=NP_RTOL, atol=NP_ATOL)


def test_steps_grow_to_lr_over_one_minus_momentum():
    # Constant gradient: h tends to lr * g / (1 - momentum), here 10 * lr.
    w = keras.Variable([0.0, 0.0])
    opt = Momentum(learning_rate=0.01, momentum=0.9)
    g = np.array([1.0, -2.0], "float32")
    for _ in range(200):
        opt.apply([g], [w])
    h = tl.read_state(opt)["h"][0]
    np.testing.assert_allclose(h, 0.1 * g, rtol=1e-5)


def test_zero_momentum_is_sgd():
    problem = tl.LeastSquares()
    a = tl.optimizer_trajectory(
        Momentum(learning_rate=0.05, momentum=0.0),
        problem.params0,
        None,
        problem.grad,
        20,
    )
    b = tl.optimizer_trajectory(
        SGD(learning_rate=0.05), problem.params0, None, problem.grad, 20
    )
    tl.assert_trajectories_close(a, b, rtol=1e-6, atol=1e-7)


def test_defaults_and_config():
    opt = Momentum()
    assert opt.learning_rate.numpy() == pytest.approx(0.01)
    assert opt.momentum == 0.9
    config = Momentum(learning_rate=0.2, momentum=0.5).get_config()
    assert config["momentum"] == 0.5
    assert Momentum.from_config(config).get_config() == config


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5, "0.9", True, float("nan")])
def test_rejects_invalid_momentum(value):
    with pytest.raises(ValueError, match=r"`momentum`.*Received: momentum="):
        Momentum(momentum=value)
