"""AdaGrad: G = G + g**2; w = w - lr * g / sqrt(G + eps)."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import AdaGrad

NP_RTOL, NP_ATOL = 1e-5, 1e-6
KERAS_RTOL, KERAS_ATOL = 1e-5, 1e-7


@pytest.mark.parametrize(
    "initial_value, state_seed",
    [(0.0, None), (0.3, None), (0.0, 1)],
    ids=["G0=0", "G0=0.3", "random-G0"],
)
def test_matches_keras_builtin(initial_value, state_seed):
    # Keras's default initial_accumulator_value is 0.1: pass it explicitly.
    kwargs = {
        "learning_rate": 0.05,
        "initial_accumulator_value": initial_value,
        "epsilon": 1e-3,
    }
    ours = tl.mlp_trajectory(AdaGrad(**kwargs), state_seed=state_seed)
    keras_opt = keras.optimizers.Adagrad(**kwargs)
    theirs = tl.mlp_trajectory(keras_opt, state_seed=state_seed)
    tl.assert_trajectories_close(ours, theirs, KERAS_RTOL, KERAS_ATOL)


def _np_adagrad_eps_outside(w, g, s, lr, t, epsilon):
    G = s["G"] + g**2
    return w - lr * g / (np.sqrt(G) + epsilon), {"G": G}


def test_matches_numpy_formula_from_nonzero_state():
    problem = tl.LeastSquares()
    state = tl.random_state(["G"], problem.shapes, seed=3)
    ours = tl.optimizer_trajectory(
        AdaGrad(learning_rate=0.1, epsilon=1e-2),
        problem.params0,
        state,
        problem.grad,
        100,
    )
    args = (problem.params0, state, problem.grad, 100)
    expected = tl.np_trajectory(tl.np_adagrad, {"epsilon": 1e-2}, *args, lr=0.1)
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    # Epsilon is under the root: the other placement is far outside the
    # tolerance, so the comparison above does see where epsilon sits.
    other = tl.np_trajectory(
        _np_adagrad_eps_outside, {"epsilon": 1e-2}, *args, lr=0.1
    )
    assert tl.max_difference(ours, other) > 100 * NP_ATOL


def test_initial_accumulator_value_fills_the_slots():
    w = keras.Variable(np.ones((2, 3)))
    opt = AdaGrad(initial_accumulator_value=0.25)
    opt.build([w])
    np.testing.assert_array_equal(opt.accumulators[0].numpy(), 0.25)
    opt = AdaGrad()
    opt.build([w])
    np.testing.assert_array_equal(opt.accumulators[0].numpy(), 0.0)


def test_first_step_is_lr_times_sign():
    # With G0 = 0 and eps = 0 the first step is lr * g / |g|.
    w = keras.Variable([1.0, 1.0, 1.0])
    AdaGrad(learning_rate=0.5, epsilon=0.0).apply(
        [np.array([4.0, -0.01, 1e3], "float32")], [w]
    )
    np.testing.assert_allclose(w.numpy(), [0.5, 1.5, 0.5], rtol=1e-6)


def test_defaults_and_config():
    opt = AdaGrad()
    assert opt.learning_rate.numpy() == pytest.approx(0.01)
    assert opt.initial_accumulator_value == 0.0
    assert opt.epsilon == 1e-7
    config = AdaGrad(0.2, 0.5, 1e-4).get_config()
    assert config["initial_accumulator_value"] == 0.5
    assert config["epsilon"] == 1e-4
    assert AdaGrad.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
        ({"epsilon": -1e-7}, "epsilon"),
        ({"epsilon": "small"}, "epsilon"),
    ],
)
def test_rejects_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        AdaGrad(**kwargs)
