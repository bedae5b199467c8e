"""Shared helpers for the custom_optimizers tests.

- NumPy versions of the course's update rules, written independently of the
  optimizers (float64, one function per rule), and a loop that runs them
  with learning-rate schedules, clipping and weight decay as Keras applies
  them (clip the gradients, then decay the weights, then update).
- Ways to put an optimizer (ours or Keras's) in a chosen non-zero state.
- A mini-batch least-squares problem with exact NumPy gradients, and a
  small MLP whose training trajectory is recorded step by step.
"""

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

import custom_optimizers as co

Arrays = list[np.ndarray]

# ---------------------------------------------------------------- NumPy rules
# Each rule maps (w, g, state, lr, t, **hyperparameters) to (w, state) for one
# variable; t is the number of the step, 1 for the first.
State = dict[str, np.ndarray]
Step = tuple[np.ndarray, State]


def np_sgd(w: np.ndarray, g: np.ndarray, s: State, lr: float, t: int) -> Step:
    return w - lr * g, s


def np_momentum(
    w: np.ndarray, g: np.ndarray, s: State, lr: float, t: int, momentum: float
) -> Step:
    h = momentum * s["h"] + lr * g
    return w - h, {"h": h}


def np_nesterov(
    w: np.ndarray, g: np.ndarray, s: State, lr: float, t: int, momentum: float
) -> Step:
    """Nesterov in the stored-look-ahead form (the gradient is at w)."""
    h = momentum * s["h"] + lr * g
    return w - (momentum * h + lr * g), {"h": h}


def np_adagrad(
    w: np.ndarray, g: np.ndarray, s: State, lr: float, t: int, epsilon: float
) -> Step:
    G = s["G"] + g**2
    return w - lr * g / np.sqrt(G + epsilon), {"G": G}


def np_rmsprop(
    w: np.ndarray,
    g: np.ndarray,
    s: State,
    lr: float,
    t: int,
    rho: float,
    epsilon: float,
) -> Step:
    G = rho * s["G"] + (1 - rho) * g**2
    return w - lr * g / np.sqrt(G + epsilon), {"G": G}


def np_adam(
    w: np.ndarray,
    g: np.ndarray,
    s: State,
    lr: float,
    t: int,
    beta_1: float,
    beta_2: float,
    epsilon: float,
    bias_correction: bool = True,
    epsilon_inside_sqrt: bool = False,
) -> Step:
    """Adam with bias-corrected m_hat and v_hat, as the Adam paper (Kingma
    and Ba, 2015) writes it, with Keras's epsilon; or with the flags off.

    Not the course's rule, which has no bias correction: see
    `np_adam_course`.
    """
    m = beta_1 * s["m"] + (1 - beta_1) * g
    v = beta_2 * s["v"] + (1 - beta_2) * g**2
    if bias_correction:
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        if epsilon_inside_sqrt:
            # epsilon added to v is epsilon / (1 - beta_2**t) next to v_hat.
            denominator = np.sqrt(v_hat + epsilon / (1 - beta_2**t))
        else:
            # Keras's epsilon is added to sqrt(v), i.e. epsilon_hat =
            # epsilon / sqrt(1 - beta_2**t) next to sqrt(v_hat).
            denominator = np.sqrt(v_hat) + epsilon / np.sqrt(1 - beta_2**t)
        return w - lr * m_hat / denominator, {"m": m, "v": v}
    if epsilon_inside_sqrt:
        return w - lr * m / np.sqrt(v + epsilon), {"m": m, "v": v}
    return w - lr * m / (np.sqrt(v) + epsilon), {"m": m, "v": v}


def np_adam_course(
    w: np.ndarray,
    g: np.ndarray,
    s: State,
    lr: float,
    t: int,
    beta_1: float,
    beta_2: float,
    epsilon: float,
) -> Step:
    """The course's Adam, letter for letter: no bias correction, epsilon
    inside the square root (`t` is unused):

        h = β1·h + (1−β1)·g;  G = β2·G + (1−β2)·g²;  w = w − η·h / sqrt(G + ε)

    The state keeps the optimizer's slot names: `m` is `h`, `v` is `G`.
    """
    h = beta_1 * s["m"] + (1 - beta_1) * g
    G = beta_2 * s["v"] + (1 - beta_2) * g**2
    return w - lr * h / np.sqrt(G + epsilon), {"m": h, "v": G}


def np_clip(
    grads: Arrays,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = None,
) -> Arrays:
    """Gradient clipping as specified by the Keras arguments."""
    if clipnorm is not None:
        return [g * clipnorm / max(np.linalg.norm(g), clipnorm) for g in grads]
    if clipvalue is not None:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]
    if global_clipnorm is not None:
        norm = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * global_clipnorm / max(norm, global_clipnorm) for g in grads]
    return grads


def np_trajectory(
    rule: Callable[..., Any],
    hyper: dict[str, Any],
    params0: Arrays,
    state0: dict[str, Arrays],
    grad_fn: Callable[[Arrays, int], Arrays],
    steps: int,
    lr: float | Callable[[int], float],
    iterations0: int = 0,
    clip: dict[str, float] | None = None,
    weight_decay: float | None = None,
) -> list[Arrays]:
    """Runs a NumPy rule; returns the parameters after each step."""
    params = [np.asarray(p, np.float64) for p in params0]
    state = [
        {k: np.asarray(v[i], np.float64) for k, v in state0.items()}
        for i in range(len(params))
    ]
    out = []
    for step in range(steps):
        iteration = iterations0 + step
        rate = lr(iteration) if callable(lr) else lr
        grads = np_clip(grad_fn(params, step), **(clip or {}))
        if weight_decay is not None:
            params = [p - rate * weight_decay * p for p in params]
        for i, g in enumerate(grads):
            params[i], state[i] = rule(
                params[i], g, state[i], rate, iteration + 1, **hyper
            )
        out.append([p.copy() for p in params])
    return out


# ------------------------------------------------------------ optimizer state


def slots(optimizer: keras.optimizers.Optimizer) -> dict[str, tuple]:
    """Maps the course's slot names to (variables, sign) for an optimizer.

    The sign converts the course's quantity to the optimizer's variable:
    Keras's SGD velocity is -h.
    """
    if isinstance(optimizer, co.Momentum):  # and Nesterov
        return {"h": (optimizer.momentums, 1.0)}
    if isinstance(optimizer, (co.AdaGrad, co.RMSProp)):
        return {"G": (optimizer.accumulators, 1.0)}
    if isinstance(optimizer, co.Adam):
        return {
            "m": (optimizer.first_moments, 1.0),
            "v": (optimizer.second_moments, 1.0),
        }
    if isinstance(optimizer, co.SGD):
        return {}
    if isinstance(optimizer, keras.optimizers.SGD):
        return {"h": (optimizer.momentums, -1.0)} if optimizer.momentum else {}
    if isinstance(optimizer, keras.optimizers.Adagrad):
        return {"G": (optimizer._accumulators, 1.0)}
    if isinstance(optimizer, keras.optimizers.RMSprop):
        return {"G": (optimizer._velocities, 1.0)}
    if isinstance(optimizer, keras.optimizers.Adam):
        return {
            "m": (optimizer._momentums, 1.0),
            "v": (optimizer._velocities, 1.0),
        }
    raise TypeError(f"no slot map for {type(optimizer).__name__}")


def random_state(
    names: Sequence[str], shapes: Sequence[tuple], seed: int
) -> dict[str, Arrays]:
    """A non-zero starting state; G and v (sums of squares) are positive."""
    rng = np.random.default_rng(seed)
    state = {}
    for name in names:
        if name in ("G", "v"):
            state[name] = [rng.uniform(0.01, 0.2, s) for s in shapes]
        else:
            state[name] = [rng.normal(0.0, 0.05, s) for s in shapes]
    return state


def set_state(
    optimizer: keras.optimizers.Optimizer,
    state: dict[str, Arrays],
    iterations: int = 0,
) -> None:
    """Writes `state` (course names and signs) into a built optimizer."""
    mapping = slots(optimizer)
    assert set(mapping) == set(state), (set(mapping), set(state))
    for name, (variables, sign) in mapping.items():
        for variable, value in zip(variables, state[name], strict=True):
            variable.assign(sign * np.asarray(value, "float32"))
    optimizer.iterations.assign(iterations)


def read_state(optimizer: keras.optimizers.Optimizer) -> dict[str, Arrays]:
    """The optimizer's slots in the course's names and signs."""
    return {
        name: [sign * v.numpy() for v in variables]
        for name, (variables, sign) in slots(optimizer).items()
    }


# ------------------------------------------------------- least-squares problem


class LeastSquares:
    """Mini-batch linear least squares, loss = mean((X W + b - Y)**2).

    The loss is Keras's "mse" of a Dense(3) layer; its gradients are exact
    in NumPy, so the course's formulas can be run on it in float64.
    """

    def __init__(
        self, seed: int = 0, n: int = 200, batch_size: int = 20
    ) -> None:
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, 5))
        true_w = rng.normal(size=(5, 3))
        self.y = self.x @ true_w + 0.5 + 0.1 * rng.normal(size=(n, 3))
        self.batch_size = batch_size
        self.n_batches = n // batch_size
        self.params0 = [
            rng.normal(0.0, 0.5, (5, 3)),
            rng.normal(0.0, 0.5, (3,)),
        ]
        self.shapes = [p.shape for p in self.params0]

    def grad(self, params: Arrays, step: int, scale: float = 1.0) -> Arrays:
        """Gradient on the mini-batch used at `step` (cycled in order)."""
        w, b = params
        start = (step % self.n_batches) * self.batch_size
        x = self.x[start : start + self.batch_size]
        y = self.y[start : start + self.batch_size]
        residual = x @ w + b - y
        factor = scale * 2.0 / residual.size
        return [factor * x.T @ residual, factor * residual.sum(axis=0)]


def optimizer_trajectory(
    optimizer: keras.optimizers.Optimizer,
    params0: Arrays,
    state0: dict[str, Arrays] | None,
    grad_fn: Callable[[Arrays, int], Arrays],
    steps: int,
    iterations0: int = 0,
) -> list[Arrays]:
    """Runs `optimizer.apply` with NumPy gradients at its current weights."""
    variables = [keras.Variable(np.asarray(p, "float32")) for p in params0]
    optimizer.build(variables)
    if state0 is not None:
        set_state(optimizer, state0, iterations0)
    out = []
    for step in range(steps):
        weights = [v.numpy() for v in variables]
        grads = grad_fn([w.astype(np.float64) for w in weights], step)
        optimizer.apply([g.astype("float32") for g in grads], variables)
        out.append([v.numpy() for v in variables])
    return out


def assert_trajectories_close(
    actual: list[Arrays],
    expected: list[Arrays],
    rtol: float,
    atol: float,
    note: str = "",
) -> None:
    """Compares two trajectories step by step, naming the first mismatch.

    `note` is added to the failure message.
    """
    assert len(actual) == len(expected)
    for step, (a_step, e_step) in enumerate(zip(actual, expected, strict=True)):
        for i, (a, e) in enumerate(zip(a_step, e_step, strict=True)):
            np.testing.assert_allclose(
                a,
                e,
                rtol=rtol,
                atol=atol,
                err_msg=f"step {step + 1}, variable {i}{note}",
            )


def max_relative_error(actual: list[Arrays], expected: list[Arrays]) -> float:
    """Largest `|actual - expected| / |expected|` over all steps and entries."""
    return max(
        float(np.max(np.abs(np.asarray(a) - e) / np.abs(e)))
        for a_step, e_step in zip(actual, expected, strict=True)
        for a, e in zip(a_step, e_step, strict=True)
    )


def max_difference(a: list[Arrays], b: list[Arrays]) -> float:
    """Largest absolute difference between two trajectories."""
    return max(
        float(np.max(np.abs(np.asarray(x) - np.asarray(y))))
        for a_step, b_step in zip(a, b, strict=True)
        for x, y in zip(a_step, b_step, strict=True)
    )


# ---------------------------------------------------------------- small MLP


def mlp_trajectory(
    optimizer: keras.optimizers.Optimizer,
    steps: int = 100,
    state_seed: int | None = 1,
    iterations0: int = 0,
) -> list[Arrays]:
    """Trains a fixed 6-8-2 tanh MLP on fixed mini-batches of 16 rows.

    The model's initial weights, the data and the batch order depend only
    on fixed seeds, so two calls differ only by their optimizer. If
    `state_seed` is given the optimizer starts from a random non-zero state
    (the same for every optimizer with the same slots).
    """
    keras.utils.set_random_seed(123)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse", jit_compile=False)
    optimizer.build(model.trainable_variables)
    if state_seed is not None:
        shapes = [tuple(v.shape) for v in model.trainable_variables]
        set_state(
            optimizer,
            random_state(list(slots(optimizer)), shapes, state_seed),
            iterations0,
        )
    rng = np.random.default_rng(7)
    x = rng.normal(size=(10 * 16, 6)).astype("float32")
    y = np.stack([np.sin(x[:, 0]) + x[:, 1], x[:, 2] * x[:, 3]], axis=1)
    y = y.astype("float32")
    out = []
    for step in range(steps):
        batch = slice((step % 10) * 16, (step % 10 + 1) * 16)
        model.train_on_batch(x[batch], y[batch])
        out.append(model.get_weights())
    return out
