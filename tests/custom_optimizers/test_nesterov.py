"""Nesterov: the look-ahead gradient, stored at the look-ahead point."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import Momentum, Nesterov

NP_RTOL, NP_ATOL = 1e-5, 1e-6
KERAS_RTOL, KERAS_ATOL = 1e-5, 1e-7


def test_matches_keras_builtin_from_nonzero_state():
    ours = tl.mlp_trajectory(Nesterov(learning_rate=0.05, momentum=0.8))
    keras_sgd = keras.optimizers.SGD(
        learning_rate=0.05, momentum=0.8, nesterov=True
    )
    theirs = tl.mlp_trajectory(keras_sgd)
    tl.assert_trajectories_close(ours, theirs, KERAS_RTOL, KERAS_ATOL)


def test_matches_numpy_formula_from_nonzero_state():
    problem = tl.LeastSquares()
    state = tl.random_state(["h"], problem.shapes, seed=3)
    ours = tl.optimizer_trajectory(
        Nesterov(learning_rate=0.03, momentum=0.8),
        problem.params0,
        state,
        problem.grad,
        100,
    )
    expected = tl.np_trajectory(
        tl.np_nesterov,
        {"momentum": 0.8},
        problem.params0,
        state,
        problem.grad,
        100,
        lr=0.03,
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)


def test_equals_course_look_ahead_form():
    """The stored weights are theta - momentum * h of the course's rule.

    Course: h = m * h + lr * grad(theta - m * h); theta = theta - h, the
    gradient taken at the look-ahead point. Run it in NumPy from the same
    (non-zero) h, with theta0 = w0 + m * h0.
    """
    problem = tl.LeastSquares()
    momentum, lr = 0.8, 0.03
    state = tl.random_state(["h"], problem.shapes, seed=5)
    ours = tl.optimizer_trajectory(
        Nesterov(learning_rate=lr, momentum=momentum),
        problem.params0,
        state,
        problem.grad,
        100,
    )
    h = [np.asarray(a, np.float64) for a in state["h"]]
    theta = [
        w + momentum * hh for w, hh in zip(problem.params0, h, strict=True)
    ]
    for step in range(100):
        look_ahead = [t - momentum * hh for t, hh in zip(theta, h, strict=True)]
        grads = problem.grad(look_ahead, step)
        h = [momentum * hh + lr * g for hh, g in zip(h, grads, strict=True)]
        theta = [t - hh for t, hh in zip(theta, h, strict=True)]
        for i, w in enumerate(ours[step]):
            np.testing.assert_allclose(
                w,
                theta[i] - momentum * h[i],
                rtol=NP_RTOL,
                atol=NP_ATOL,
                err_msg=f"step {step + 1}, variable {i}",
            )


def test_differs_from_plain_momentum():
    problem = tl.LeastSquares()
    a = tl.optimizer_trajectory(
        Nesterov(0.03, 0.8), problem.params0, None, problem.grad, 20
    )
    b = tl.optimizer_trajectory(
        Momentum(0.03, 0.8), problem.params0, None, problem.grad, 20
    )
    assert tl.max_difference(a, b) > 1e-2


def test_defaults_and_config():
    opt = Nesterov()
    assert isinstance(opt, Momentum)
    assert opt.learning_rate.numpy() == pytest.approx(0.01)
    assert opt.momentum == 0.9
    config = Nesterov(learning_rate=0.2, momentum=0.5).get_config()
    assert config["momentum"] == 0.5
    assert Nesterov.from_config(config).get_config() == config


def test_rejects_invalid_momentum():
    with pytest.raises(ValueError, match=r"Received: momentum=1\.0"):
        Nesterov(momentum=1.0)
