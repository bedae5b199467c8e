"""Temperature scaling: the layer against closed forms, the fitted
temperature against the one that made the labels, and a recipe whose
temperature is the one that minimizes its validation log-loss."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

from recipes.calibration import Temperature, fit_temperature


def test_layer_divides_log_probabilities_by_the_temperature():
    rng = np.random.default_rng(0)
    p = special.softmax(rng.normal(size=(50, 4)) * 3, axis=1)
    got = np.asarray(Temperature(2.5, binary=False)(p.astype("float32")))
    expected = special.softmax(np.log(p) / 2.5, axis=1)  # p ** (1/T), normed
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(got.argmax(1), p.argmax(1))


def test_binary_layer_is_the_sigmoid_of_the_scaled_logit():
    q = np.linspace(0.01, 0.99, 25)[:, None].astype("float32")
    got = np.asarray(Temperature(0.5, binary=True)(q))
    assert got.shape == (25, 1)
    np.testing.assert_allclose(got, special.expit(special.logit(q) / 0.5), 1e-4)


def test_the_fitted_temperature_is_the_one_that_made_the_labels():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(20_000, 3)) * 2
    labels = np.array(
        [rng.choice(3, p=row) for row in special.softmax(logits / 2.0, 1)]
    )
    overconfident = special.softmax(logits, axis=1)  # T = 1 where 2 is right
    assert fit_temperature(overconfident, labels) == pytest.approx(2.0, 0.05)
    timid = special.softmax(logits / 4.0, axis=1)
    assert fit_temperature(timid, labels) == pytest.approx(0.5, 0.05)


def test_few_rows_all_right_do_not_sharpen_without_bound():
    p = np.array([[0.8, 0.2], [0.3, 0.7], [0.9, 0.1], [0.25, 0.75]])
    temperature = fit_temperature(p, np.array([0, 1, 0, 1]))
    # the log-loss alone falls all the way to the search's lower bound 0.05
    assert 0.2 < temperature < 1


@pytest.fixture(scope="module")
def noisy():
    """Binary labels of a linear rule, 5 % of them flipped."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(900, 4))
    y = (x[:, 0] + x[:, 1] > 0) ^ (rng.random(900) < 0.05)
    frame = pd.DataFrame(x, columns=list("abcd")).assign(
        y=np.where(y, "yes", "no")
    )
    return frame.iloc[:500], frame.iloc[500:700], frame.iloc[700:]


def test_a_recipe_fits_its_temperature_to_its_validation_rows(noisy):
    """The served probabilities are the network's, tempered by the
    temperature that minimizes the validation log-loss; the test split's
    log-loss falls with it. Label smoothing 0.3 trains a timid network
    (its targets are 0.15 and 0.85), which the temperature sharpens."""
    from sklearn.metrics import log_loss

    from recipes import BinaryClassification

    train, valid, test = noisy
    recipe = BinaryClassification(
        target="y",
        epochs=40,
        ensemble=1,
        hyperparameters={"units": 64, "label_smoothing": 0.3},
    ).fit(train, validation=valid)
    temperature = recipe.temperature_
    assert temperature < 0.8
    assert recipe.model_.get_layer("temperature").temperature == temperature
    assert (
        BinaryClassification(target="y", calibration=None).calibration is None
    )

    def tempered(table, t):
        """Log-loss of the network's own logits divided by t."""
        p = recipe.predict(table)["proba_yes"].to_numpy(np.float64)
        logits = special.logit(p) * temperature  # the layer undone
        return log_loss(table["y"] == "yes", special.expit(logits / t))

    assert tempered(valid, temperature) < tempered(valid, 1.0)
    assert tempered(valid, temperature) < tempered(valid, 0.9 * temperature)
    assert tempered(valid, temperature) < tempered(valid, 1.1 * temperature)
    assert tempered(test, temperature) < tempered(test, 1.0)


def test_calibration_none_serves_the_network_as_trained():
    from recipes import MulticlassClassification
    from tests.conftest import make_frame

    recipe = MulticlassClassification(
        target="y", epochs=2, ensemble=1, calibration=None
    ).fit(make_frame("multiclass", 120))
    assert recipe.temperature_ is None
    names = {layer.name for layer in recipe.model_.layers}
    assert "temperature" not in names
