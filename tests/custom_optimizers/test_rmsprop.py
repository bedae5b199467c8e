"""RMSProp: G = rho * G + (1 - rho) * g**2; w = w - lr*g / sqrt(G + eps)."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import RMSProp

NP_RTOL, NP_ATOL = 1e-5, 1e-6
KERAS_RTOL, KERAS_ATOL = 1e-5, 1e-7


def test_matches_keras_builtin_from_nonzero_state():
    # Keras 3.15's RMSprop also puts epsilon under the root
    # (sqrt(velocity + epsilon)); a large epsilon makes that matter here.
    ours = tl.mlp_trajectory(RMSProp(learning_rate=0.01, rho=0.8, epsilon=1e-3))
    keras_opt = keras.optimizers.RMSprop(
        learning_rate=0.01, rho=0.8, epsilon=1e-3
    )
    theirs = tl.mlp_trajectory(keras_opt)
    tl.assert_trajectories_close(ours, theirs, KERAS_RTOL, KERAS_ATOL)


def _np_rmsprop_eps_outside(w, g, s, lr, t, rho, epsilon):
    G = rho * s["G"] + (1 - rho) * g**2
    return w - lr * g / (np.sqrt(G) + epsilon), {"G": G}


def test_matches_numpy_formula_from_nonzero_state():
    problem = tl.LeastSquares()
    state = tl.random_state(["G"], problem.shapes, seed=3)
    ours = tl.optimizer_trajectory(
        RMSProp(learning_rate=0.01, rho=0.8, epsilon=1e-2),
        problem.params0,
        state,
        problem.grad,
        100,
    )
    hyper = {"rho": 0.8, "epsilon": 1e-2}
    args = (problem.params0, state, problem.grad, 100)
    expected = tl.np_trajectory(tl.np_rmsprop, hyper, *args, lr=0.01)
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    other = tl.np_trajectory(_np_rmsprop_eps_outside, hyper, *args, lr=0.01)
    assert tl.max_difference(ours, other) > 100 * NP_ATOL


def test_accumulator_forgets():
    # After a burst of large gradients, G decays back as rho**t.
    w = keras.Variable([0.0])
    opt = RMSProp(learning_rate=0.01, rho=0.5)
    opt.apply([np.array([4.0], "float32")], [w])  # G = 0.5 * 16 = 8
    for _ in range(10):
        opt.apply([np.array([0.0], "float32")], [w])
    np.testing.assert_allclose(
        tl.read_state(opt)["G"][0], [8.0 * 0.5**10], rtol=1e-6
    )


def test_defaults_and_config():
    opt = RMSProp()
    assert opt.learning_rate.numpy() == pytest.approx(0.001)
    assert (opt.rho, opt.epsilon) == (0.9, 1e-7)
    config = RMSProp(0.2, rho=0.5, epsilon=1e-4).get_config()
    assert (config["rho"], config["epsilon"]) == (0.5, 1e-4)
    assert RMSProp.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"rho": 1.0}, "rho"),
        ({"rho": -0.5}, "rho"),
        ({"epsilon": -1.0}, "epsilon"),
    ],
)
def test_rejects_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        RMSProp(**kwargs)
