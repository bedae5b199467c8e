"""The course's stopping rules, against NumPy gradient descent."""

import keras
import numpy as np
import pytest

from custom_optimizers import StopBelowLoss, StopOnSmallStep

RATE, EPOCHS = 0.1, 30


def _problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype("float32")[:, None]
    return x, y


def _model(x):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(RATE), "mse")
    return model


def _numpy_descent(model, x, y, epochs):
    """Full-batch gradient descent on the MSE: each epoch's step norm and
    loss (before the step, as Keras logs it)."""
    w, b = (v.astype(np.float64) for v in model.get_weights())
    steps, losses = [], []
    for _ in range(epochs):
        error = x @ w + b - y
        losses.append(float(np.mean(error**2)))
        grad_w, grad_b = 2 * x.T @ error / len(x), 2 * error.mean(0)
        steps.append(
            RATE * float(np.sqrt(np.sum(grad_w**2) + np.sum(grad_b**2)))
        )
        w, b = w - RATE * grad_w, b - RATE * grad_b
    return np.array(steps), np.array(losses)


def test_step_norms_match_numpy_and_the_rule_stops_at_the_first_small_one():
    x, y = _problem()
    model = _model(x)
    steps, _ = _numpy_descent(model, x, y, EPOCHS)
    # the first epoch whose step is below epsilon: the 12th
    epsilon = float(steps[11] + steps[10]) / 2
    assert steps[10] > epsilon > steps[11]
    stop = StopOnSmallStep(epsilon)
    history = model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=64,
        shuffle=False,
        verbose=0,
        callbacks=[stop],
    )
    np.testing.assert_allclose(stop.steps, steps[:12], rtol=1e-4)
    assert stop.stopped_epoch == 11
    assert len(history.epoch) == 12


def test_training_loss_below_the_threshold_stops_that_epoch():
    x, y = _problem()
    model = _model(x)
    _, losses = _numpy_descent(model, x, y, EPOCHS)
    threshold = float(losses[7] + losses[8]) / 2
    stop = StopBelowLoss(threshold)
    history = model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=64,
        shuffle=False,
        verbose=0,
        callbacks=[stop],
    )
    np.testing.assert_allclose(history.history["loss"], losses[:9], rtol=1e-4)
    assert stop.stopped_epoch == 8


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: StopOnSmallStep(0.0), "epsilon must be a number > 0"),
        (lambda: StopBelowLoss(float("nan")), "threshold must be a finite"),
    ],
)
def test_bad_settings_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
