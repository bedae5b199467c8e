"""The course's convergence claims, measured on quadratics.

f(w) = 0.5 * w^T A w, gradient A w, minimum at 0. Each optimizer is run
from w0 with every learning rate of a log grid (4 per decade, 1e-4 to 1;
its other hyperparameters at their defaults); "steps to tolerance" is the
first step after which f stays <= tol * f(w0) up to the end of the run,
and each optimizer is credited with its best learning rate. Run this file
with Python to print the table.

- Convex, well conditioned (eigenvalues 1 and 4, axes rotated by 30
  degrees): every optimizer converges.
- Ill conditioned (eigenvalues 1 and 1000, the elongated bowl of the course,
  axis-aligned): momentum, Nesterov and the adaptive methods need fewer
  steps than plain SGD, whose learning rate is capped by the steep
  direction (lr < 2 / 1000) and which then crawls along the flat one.
- The same bowl rotated by 45 degrees: momentum and Nesterov still beat
  SGD, being rotation-invariant. The adaptive methods' per-coordinate
  scaling no longer lines up with the bowl's axes: measured, AdaGrad then
  needs more steps than SGD and RMSProp (constant learning rate, which
  keeps it oscillating at a scale set by the rate) does not settle within
  the run; this is printed, not asserted.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

GRID = [float(10**e) for e in np.arange(-4.0, 0.01, 0.25)]
TOLERANCE = 1e-6  # relative to f(w0): the loss divided by a million
OPTIMIZERS = {
    "SGD": SGD,
    "Momentum": Momentum,
    "Nesterov": Nesterov,
    "AdaGrad": AdaGrad,
    "RMSProp": RMSProp,
    "Adam": Adam,
}


def _matrix(eigenvalues, degrees):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    rotation = np.array([[c, -s], [s, c]])
    return rotation @ np.diag(eigenvalues) @ rotation.T


PROBLEMS = {
    "convex": (_matrix([1.0, 4.0], 30.0), [1.0, -0.5], 2000),
    "ill-conditioned": (_matrix([1.0, 1000.0], 0.0), [1.0, 0.7], 5000),
    "ill-conditioned, rotated": (
        _matrix([1.0, 1000.0], 45.0),
        [1.0, 0.7],
        5000,
    ),
}


def steps_to_tolerance(losses: np.ndarray, tolerance: float) -> int | None:
    """First step after which the loss stays <= tolerance; None if never."""
    above = np.flatnonzero(~(losses <= tolerance))  # NaN counts as above
    if above.size == 0:
        return 1
    if above[-1] == losses.size - 1:
        return None
    return int(above[-1]) + 2


def _runner(opt, w, a):
    """A traced loop of n steps of `opt` on f(w) = 0.5 * w A w per row."""

    @tf.function
    def run(n):
        losses = tf.TensorArray(tf.float32, size=n)
        for i in tf.range(n):
            opt.apply([tf.matmul(w.value, a)], [w])  # A is symmetric
            loss = 0.5 * tf.reduce_sum(tf.matmul(w.value, a) * w, axis=1)
            losses = losses.write(i, loss)
        return losses.stack()  # (steps, learning rates)

    return run


def measure() -> dict[str, dict[str, tuple[int | None, float | None]]]:
    """{problem: {optimizer: (best steps to tolerance, its learning rate)}}.

    All learning rates of the grid run at once: the weights are a batch of
    independent rows, one per rate, and the learning rate is a column that
    broadcasts against them (every update rule here is element-wise, so
    rows do not mix).
    """
    rates = tf.constant(np.array(GRID, "float32")[:, None])
    table = {problem: {} for problem in PROBLEMS}
    for name, cls in OPTIMIZERS.items():
        opt = cls(learning_rate=lambda: rates)
        w = keras.Variable(np.zeros((len(GRID), 2), "float32"))
        a = tf.Variable(np.zeros((2, 2), "float32"))
        opt.build([w])
        initial = [v.numpy() for v in opt.variables]
        run = _runner(opt, w, a)
        for problem, (matrix, w0, steps) in PROBLEMS.items():
            a.assign(matrix)
            for variable, value in zip(opt.variables, initial, strict=True):
                variable.assign(value)
            w.assign(np.tile(np.asarray(w0, "float32"), (len(GRID), 1)))
            losses = run(tf.constant(steps)).numpy()
            f0 = 0.5 * np.dot(w0, matrix @ w0)
            best = (None, None)
            for lr, column in zip(GRID, losses.T, strict=True):
                n = steps_to_tolerance(column, TOLERANCE * f0)
                if n is not None and (best[0] is None or n < best[0]):
                    best = (n, lr)
            table[problem][name] = best
    return table


@pytest.fixture(scope="module")
def table():
    return measure()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_converges_on_a_convex_quadratic(table, name):
    steps, lr = table["convex"][name]
    assert steps is not None, f"{name} never reached the tolerance"


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "SGD"])
def test_beats_sgd_on_an_ill_conditioned_quadratic(table, name):
    sgd_steps, _ = table["ill-conditioned"]["SGD"]
    steps, _ = table["ill-conditioned"][name]
    assert sgd_steps is not None
    assert steps is not None and steps < sgd_steps, (name, steps, sgd_steps)


@pytest.mark.parametrize("name", ["Momentum", "Nesterov"])
def test_momentum_beats_sgd_on_a_rotated_ill_conditioned_quadratic(table, name):
    sgd_steps, _ = table["ill-conditioned, rotated"]["SGD"]
    steps, _ = table["ill-conditioned, rotated"][name]
    assert sgd_steps is not None
    assert steps is not None and steps < sgd_steps, (name, steps, sgd_steps)


def test_steps_to_tolerance():
    assert steps_to_tolerance(np.array([5.0, 0.5, 2.0, 0.1, 0.1]), 1.0) == 4
    assert steps_to_tolerance(np.array([0.5, 0.1]), 1.0) == 1
    assert steps_to_tolerance(np.array([0.5, 2.0]), 1.0) is None
    assert steps_to_tolerance(np.array([0.5, np.nan, 0.1]), 1.0) == 3


if __name__ == "__main__":
    for problem, rows in measure().items():
        print(f"{problem} quadratic, steps until f <= {TOLERANCE:g} * f(w0):")
        for name, (steps, lr) in rows.items():
            print(f"  {name:9s} {steps!s:>6} steps  (best lr {lr})")
