"""Adam: bias-corrected as Keras does it, or the course's rule by flags."""

import keras
import numpy as np
import optimizer_testlib as tl
import pytest

from custom_optimizers import Adam

NP_RTOL, NP_ATOL = 1e-5, 1e-6
KERAS_RTOL, KERAS_ATOL = 1e-5, 1e-7
HYPER = {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-2}


def test_matches_keras_builtin_from_nonzero_state():
    # Non-zero m, v and iteration count (the bias correction starts at t=6).
    kwargs = {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}
    ours = tl.mlp_trajectory(Adam(**kwargs, epsilon=1e-3), iterations0=5)
    keras_opt = keras.optimizers.Adam(**kwargs, epsilon=1e-3)
    theirs = tl.mlp_trajectory(keras_opt, iterations0=5)
    tl.assert_trajectories_close(ours, theirs, KERAS_RTOL, KERAS_ATOL)


def _run(bias_correction, iterations0=4, epsilon_inside_sqrt=False):
    problem = tl.LeastSquares()
    state = tl.random_state(["m", "v"], problem.shapes, seed=3)
    opt = Adam(
        learning_rate=0.05,
        **HYPER,
        bias_correction=bias_correction,
        epsilon_inside_sqrt=epsilon_inside_sqrt,
    )
    ours = tl.optimizer_trajectory(
        opt, problem.params0, state, problem.grad, 100, iterations0
    )
    args = (problem.params0, state, problem.grad, 100)
    return ours, args


def test_matches_numpy_paper_formula_with_bias_correction():
    ours, args = _run(bias_correction=True)
    expected = tl.np_trajectory(
        tl.np_adam, HYPER, *args, lr=0.05, iterations0=4
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    # Sensitivity: textbook epsilon (next to sqrt(v_hat)) is another path,
    # and so is forgetting the iteration count.
    textbook = tl.np_trajectory(
        _np_adam_textbook_eps, HYPER, *args, lr=0.05, iterations0=4
    )
    assert tl.max_difference(ours, textbook) > 100 * NP_ATOL
    from_zero = tl.np_trajectory(tl.np_adam, HYPER, *args, lr=0.05)
    assert tl.max_difference(ours, from_zero) > 100 * NP_ATOL


def _np_adam_textbook_eps(w, g, s, lr, t, beta_1, beta_2, epsilon):
    m = beta_1 * s["m"] + (1 - beta_1) * g
    v = beta_2 * s["v"] + (1 - beta_2) * g**2
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon), {"m": m, "v": v}


def test_matches_numpy_formula_without_bias_correction():
    ours, args = _run(bias_correction=False)
    hyper = {**HYPER, "bias_correction": False}
    expected = tl.np_trajectory(
        tl.np_adam, hyper, *args, lr=0.05, iterations0=4
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    corrected, _ = _run(bias_correction=True)
    assert tl.max_difference(ours, corrected) > 100 * NP_ATOL


def test_course_rule_matches_numpy_over_100_steps_from_nonzero_state():
    # The course's rule, h = β1·h + (1−β1)·g; G = β2·G + (1−β2)·g²;
    # w = w − η·h / sqrt(G + ε), against its NumPy transcription in float64:
    # 100 mini-batch steps of LeastSquares(seed=0) from non-zero h and G
    # (random_state seed 3) and iterations = 4, which the rule must ignore.
    # Tolerance: |ours - numpy| <= 1e-6 + 1e-5 * |numpy| (float32 against
    # float64). Measured: worst relative error 1.7e-05, on an entry of
    # -1.1e-03 off by 1.9e-08 (so within atol); worst absolute error
    # 3.3e-07; worst relative error of a whole variable (L2 norms) 1.6e-07.
    ours, args = _run(bias_correction=False, epsilon_inside_sqrt=True)
    expected = tl.np_trajectory(
        tl.np_adam_course, HYPER, *args, lr=0.05, iterations0=4
    )
    worst_relative = tl.max_relative_error(ours, expected)
    worst_absolute = tl.max_difference(ours, expected)
    note = (
        f" (worst relative error {worst_relative:.2e}, worst absolute "
        f"error {worst_absolute:.2e})"
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL, note)
    # Sensitivity: with epsilon outside the root (HYPER's epsilon is 1e-2),
    # or with the bias correction, the path is another.
    outside = {**HYPER, "bias_correction": False}
    eps_outside = tl.np_trajectory(
        tl.np_adam, outside, *args, lr=0.05, iterations0=4
    )
    assert tl.max_difference(ours, eps_outside) > 100 * NP_ATOL
    corrected, _ = _run(bias_correction=True, epsilon_inside_sqrt=True)
    assert tl.max_difference(ours, corrected) > 100 * NP_ATOL


def test_bias_correction_with_epsilon_inside_sqrt_matches_numpy():
    ours, args = _run(bias_correction=True, epsilon_inside_sqrt=True)
    hyper = {**HYPER, "epsilon_inside_sqrt": True}
    expected = tl.np_trajectory(
        tl.np_adam, hyper, *args, lr=0.05, iterations0=4
    )
    tl.assert_trajectories_close(ours, expected, NP_RTOL, NP_ATOL)
    outside, _ = _run(bias_correction=True)
    assert tl.max_difference(ours, outside) > 100 * NP_ATOL


def test_first_step_with_and_without_correction():
    # From m = v = 0 and eps = 0: corrected step is lr * sign(g); the
    # uncorrected one is lr * (1 - beta_1) / sqrt(1 - beta_2) * sign(g).
    g = np.array([2.0, -0.1], "float32")
    w = keras.Variable([0.0, 0.0])
    Adam(learning_rate=0.1, epsilon=0.0).apply([g], [w])
    np.testing.assert_allclose(w.numpy(), [-0.1, 0.1], rtol=1e-5)
    w = keras.Variable([0.0, 0.0])
    Adam(learning_rate=0.1, epsilon=0.0, bias_correction=False).apply([g], [w])
    small = 0.1 * 0.1 / np.sqrt(0.001)
    np.testing.assert_allclose(w.numpy(), [-small, small], rtol=1e-5)


def test_defaults_and_config():
    opt = Adam()
    assert opt.learning_rate.numpy() == pytest.approx(0.001)
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.9, 0.999, 1e-7)
    assert opt.bias_correction is True
    assert opt.epsilon_inside_sqrt is False
    config = Adam(0.2, 0.5, 0.6, 1e-4, bias_correction=False).get_config()
    assert config["beta_1"] == 0.5 and config["beta_2"] == 0.6
    assert config["epsilon"] == 1e-4 and config["bias_correction"] is False
    assert config["epsilon_inside_sqrt"] is False
    assert Adam.from_config(config).get_config() == config
    # The arguments by position, in API.md's order.
    config = Adam(0.2, 0.5, 0.6, 1e-4, False, True).get_config()
    assert config["bias_correction"] is False
    assert config["epsilon_inside_sqrt"] is True
    restored = Adam.from_config(config)
    assert (restored.bias_correction, restored.epsilon_inside_sqrt) == (
        False,
        True,
    )
    assert restored.get_config() == config


def test_course_rule_survives_a_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    opt = Adam(0.05, bias_correction=False, epsilon_inside_sqrt=True)
    model.compile(optimizer=opt, loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    model.train_on_batch(x, y)
    model.save(tmp_path / "course.keras")
    loaded = keras.saving.load_model(tmp_path / "course.keras")
    assert type(loaded.optimizer) is Adam
    assert loaded.optimizer.bias_correction is False
    assert loaded.optimizer.epsilon_inside_sqrt is True
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"beta_1": 1.0}, "beta_1"),
        ({"beta_2": -0.1}, "beta_2"),
        ({"epsilon": -1.0}, "epsilon"),
        ({"bias_correction": "yes"}, "bias_correction"),
        ({"epsilon_inside_sqrt": 1}, "epsilon_inside_sqrt"),
    ],
)
def test_rejects_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
        Adam(**kwargs)
