"""Learning-rate decay: StepDecay, and Keras's schedules in our optimizers."""

import math

import keras
import optimizer_testlib as tl
import pytest

from custom_optimizers import (
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    Nesterov,
    RMSProp,
    StepDecay,
)

NP_RTOL, NP_ATOL = 1e-5, 1e-6
schedules = keras.optimizers.schedules


def test_step_decay_values():
    schedule = StepDecay(0.3, step_size=7, factor=0.25)
    for step in [0, 1, 6, 7, 8, 13, 14, 50]:
        expected = 0.3 * 0.25 ** (step // 7)
        assert float(schedule(step)) == pytest.approx(expected, rel=1e-6)
    # The optimizer passes an int64 variable; the division stays exact far
    # beyond float32's 2**24.
    big = StepDecay(1.0, step_size=10**8, factor=0.5)
    step = keras.Variable(3 * 10**8 + 5, dtype="int64")
    assert float(big(step)) == pytest.approx(0.125, rel=1e-6)
    step.assign(3 * 10**8 - 1)
    assert float(big(step)) == pytest.approx(0.25, rel=1e-6)


def test_step_decay_equals_staircase_exponential_decay():
    ours = StepDecay(0.05, step_size=10, factor=0.5)
    theirs = schedules.ExponentialDecay(0.05, 10, 0.5, staircase=True)
    for step in range(0, 101, 3):
        assert float(ours(step)) == pytest.approx(float(theirs(step)), 1e-6)


def test_step_decay_serialization():
    schedule = StepDecay(0.05, step_size=10, factor=0.5, name="halve")
    config = schedule.get_config()
    assert config == {
        "initial_learning_rate": 0.05,
        "step_size": 10,
        "factor": 0.5,
        "name": "halve",
    }
    serialized = keras.saving.serialize_keras_object(schedule)
    assert serialized["registered_name"] == "custom_optimizers>StepDecay"
    restored = keras.saving.deserialize_keras_object(serialized)
    assert isinstance(restored, StepDecay)
    assert restored.get_config() == config
    # Inside an optimizer's config.
    opt = Momentum.from_config(Momentum(schedule).get_config())
    assert isinstance(opt._learning_rate, StepDecay)
    assert opt._learning_rate.get_config() == config


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"initial_learning_rate": 0.0}, "initial_learning_rate"),
        ({"initial_learning_rate": -1.0}, "initial_learning_rate"),
        ({"step_size": 0}, "step_size"),
        ({"step_size": 2.5}, "step_size"),
        ({"factor": 0.0}, "factor"),
        ({"factor": -0.5}, "factor"),
    ],
)
def test_step_decay_rejects_invalid_arguments(kwargs, name):
    arguments = {"initial_learning_rate": 0.1, "step_size": 5, **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        StepDecay(**arguments)


# The learning rates as formulas in NumPy, independent of the Keras code.
def _cosine(t):
    t = min(t, 80)
    return 0.05 * (0.9 * 0.5 * (1 + math.cos(math.pi * t / 80)) + 0.1)


SCHEDULES = {
    "step": (
        lambda: StepDecay(0.05, step_size=10, factor=0.5),
        lambda t: 0.05 * 0.5 ** (t // 10),
    ),
    "exponential": (
        lambda: schedules.ExponentialDecay(0.05, 20, 0.5),
        lambda t: 0.05 * 0.5 ** (t / 20),
    ),
    "cosine": (
        lambda: schedules.CosineDecay(0.05, 80, alpha=0.1),
        _cosine,
    ),
    "piecewise": (
        lambda: schedules.PiecewiseConstantDecay([30, 60], [0.05, 0.02, 5e-3]),
        lambda t: 0.05 if t <= 30 else (0.02 if t <= 60 else 5e-3),
    ),
}


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
def test_schedule_changes_trajectory_as_specified(kind):
    make_schedule, lr = SCHEDULES[kind]
    problem = tl.LeastSquares()
    state = tl.random_state(["h"], problem.shapes, seed=3)
    # Start at iteration 3 (a resumed run): the schedule reads the count.
    ours = tl.optimizer_trajectory(
        Momentum(make_schedule(), momentum=0.8),
        problem.params0,
        state,
        problem.grad,
        100,
        iterations0=3,
    )
    args = (tl.np_momentum, {"momentum": 0.8}, problem.params0, state)
    args += (problem.grad, 100)
    expected = tl.np_trajectory(*args, lr=lr, iterations0=3)
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    constant = tl.np_trajectory(*args, lr=0.05, iterations0=3)
    assert tl.max_difference(ours, constant) > 1e-3


OPTIMIZERS = {
    "SGD": (SGD, {}, tl.np_sgd, {}),
    "Momentum": (Momentum, {"momentum": 0.8}, tl.np_momentum, None),
    "Nesterov": (Nesterov, {"momentum": 0.8}, tl.np_nesterov, None),
    "AdaGrad": (AdaGrad, {"epsilon": 1e-2}, tl.np_adagrad, None),
    "RMSProp": (
        RMSProp,
        {"rho": 0.8, "epsilon": 1e-2},
        tl.np_rmsprop,
        None,
    ),
    "Adam": (
        Adam,
        {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-2},
        tl.np_adam,
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_follows_the_schedule(name):
    cls, kwargs, rule, hyper = OPTIMIZERS[name]
    hyper = kwargs if hyper is None else hyper
    problem = tl.LeastSquares()
    opt = cls(StepDecay(0.05, step_size=10, factor=0.5), **kwargs)
    opt.build([keras.Variable(p) for p in problem.params0])
    state = tl.random_state(list(tl.slots(opt)), problem.shapes, seed=3)
    ours = tl.optimizer_trajectory(
        cls(StepDecay(0.05, step_size=10, factor=0.5), **kwargs),
        problem.params0,
        state,
        problem.grad,
        60,
        iterations0=2,
    )
    expected = tl.np_trajectory(
        rule,
        hyper,
        problem.params0,
        state,
        problem.grad,
        60,
        lr=lambda t: 0.05 * 0.5 ** (t // 10),
        iterations0=2,
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
