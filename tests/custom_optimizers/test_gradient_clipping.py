"""Gradient clipping and weight decay, through the Keras base class."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

NP_RTOL, NP_ATOL = 1e-5, 1e-6

CASES = {
    "Momentum": (Momentum, {"momentum": 0.8}, tl.np_momentum, ["h"]),
    "Adam": (
        Adam,
        {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-2},
        tl.np_adam,
        ["m", "v"],
    ),
}
# Thresholds well inside the gradients' range (their norms start near 3
# and shrink to about 0.1), so clipping is active for part of the run.
CLIPS = {
    "clipnorm": {"clipnorm": 0.5},
    "clipvalue": {"clipvalue": 0.1},
    "global_clipnorm": {"global_clipnorm": 0.7},
}


@pytest.mark.parametrize("clip", sorted(CLIPS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_clipping_changes_trajectory_as_specified(name, clip):
    cls, hyper, rule, slot_names = CASES[name]
    problem = tl.LeastSquares()
    state = tl.random_state(slot_names, problem.shapes, seed=3)
    ours = tl.optimizer_trajectory(
        cls(0.03, **hyper, **CLIPS[clip]),
        problem.params0,
        state,
        problem.grad,
        100,
    )
    args = (rule, hyper, problem.params0, state, problem.grad, 100)
    expected = tl.np_trajectory(*args, lr=0.03, clip=CLIPS[clip])
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    unclipped = tl.np_trajectory(*args, lr=0.03)
    assert tl.max_difference(ours, unclipped) > 1e-3


def test_global_clipnorm_tames_exploding_gradients():
    # Gradients scaled by 1000 make SGD(0.03) blow up; clipping the global
    # norm to 1 bounds every step by lr * 1, and the loss still goes down.
    problem = tl.LeastSquares()

    def steep(params, step):
        return problem.grad(params, step, scale=1000.0)

    def loss(params):
        w, b = params
        return np.mean((problem.x @ w + b - problem.y) ** 2)

    raw = tl.optimizer_trajectory(SGD(0.03), problem.params0, None, steep, 5)
    assert np.abs(raw[-1][0]).max() > 1e6
    clipped = tl.optimizer_trajectory(
        SGD(0.03, global_clipnorm=1.0), problem.params0, None, steep, 100
    )
    for before, after in zip(
        [problem.params0] + clipped[:-1], clipped, strict=True
    ):
        step = np.sqrt(
            sum(
                np.sum((a - b) ** 2) for a, b in zip(after, before, strict=True)
            )
        )
        assert step <= 0.03 * (1 + 1e-5)
    assert loss(clipped[-1]) < 0.5 * loss(problem.params0)


WEIGHT_DECAY = {
    "SGD": (SGD, {}, tl.np_sgd),
    "Momentum": (Momentum, {"momentum": 0.8}, tl.np_momentum),
    "Nesterov": (Nesterov, {"momentum": 0.8}, tl.np_nesterov),
    "AdaGrad": (AdaGrad, {"epsilon": 1e-2}, tl.np_adagrad),
    "RMSProp": (RMSProp, {"rho": 0.8, "epsilon": 1e-2}, tl.np_rmsprop),
    "Adam": (
        Adam,
        {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-2},
        tl.np_adam,
    ),
}


@pytest.mark.parametrize("name", sorted(WEIGHT_DECAY))
def test_weight_decay_as_specified(name):
    # Keras's (decoupled) weight decay: w = w - lr * weight_decay * w, then
    # the update with the gradient taken before the decay.
    cls, hyper, rule = WEIGHT_DECAY[name]
    problem = tl.LeastSquares()
    opt = cls(0.03, **hyper, weight_decay=0.5)
    opt.build([keras.Variable(p) for p in problem.params0])
    state = tl.random_state(list(tl.slots(opt)), problem.shapes, seed=3)
    ours = tl.optimizer_trajectory(
        cls(0.03, **hyper, weight_decay=0.5),
        problem.params0,
        state,
        problem.grad,
        60,
    )
    args = (rule, hyper, problem.params0, state, problem.grad, 60)
    expected = tl.np_trajectory(*args, lr=0.03, weight_decay=0.5)
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    assert tl.max_difference(ours, tl.np_trajectory(*args, lr=0.03)) > 1e-3
