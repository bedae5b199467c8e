"""The scikit-learn estimators: sklearn's own checks, pipelines and searches.

The checks fit about 150 small models; a handful of epochs and a small
network keep each fit to about a second (mostly TensorFlow tracing the
training step).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from recipes.recipe import BinaryClassification, MulticlassClassification
from recipes.sklearn import RecipeClassifier, RecipeRegressor
from tests.conftest import DATA, make_frame

# A small, quick network: learns these tables in a few epochs all the same.
SMALL = {"hidden_layers": 1, "units": 32, "learning_rate": 0.01}
FAST = {"epochs": 5, "patience": 2, "hyperparameters": SMALL, "ensemble": 1}
FEATURES = ["x1", "x 2", "color"]

# Checks that cannot pass, and why; the estimators pass every other check.
EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": (
        "TensorFlow's CPU matmul uses another kernel for a single row, so "
        "float32 outputs differ by ~5e-7 from batched ones (the check: 1e-7)"
    ),
    "check_methods_sample_order_invariance": (
        "the same float32 rounding: a row's place in the batch decides which "
        "vectorized kernel path computes it (differences ~2e-7, the check: "
        "1e-7)"
    ),
}


@pytest.mark.filterwarnings("ignore::recipes.errors.DataWarning")
@parametrize_with_checks(
    [RecipeRegressor(**FAST), RecipeClassifier(**FAST)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_grid_search_over_a_pipeline_on_penguins():
    train = pd.read_csv(f"{DATA}/penguins/train.csv")
    test = pd.read_csv(f"{DATA}/penguins/test.csv")
    text = ["island", "sex"]
    numeric = [c for c in train.columns if c not in [*text, "species"]]
    columns = ColumnTransformer(  # an object array: floats, then strings
        [("numeric", StandardScaler(), numeric), ("text", "passthrough", text)]
    )
    pipeline = Pipeline(
        [
            ("columns", columns),
            (
                "recipe",
                RecipeClassifier(patience=5, hyperparameters=SMALL, ensemble=1),
            ),
        ]
    )
    grid = {"recipe__epochs": np.array([2, 30])}  # NumPy integers work too
    search = GridSearchCV(pipeline, grid, cv=2).fit(
        train.drop(columns="species"), train["species"]
    )
    assert search.best_params_ in [{"recipe__epochs": e} for e in (2, 30)]
    recipe = search.best_estimator_.named_steps["recipe"]
    assert recipe.recipe_.epochs == search.best_params_["recipe__epochs"]
    assert isinstance(recipe.recipe_, MulticlassClassification)
    kinds = [c.kind for c in recipe.recipe_.schema_.columns]
    assert kinds == ["numeric"] * len(numeric) + ["categorical"] * len(text)
    majority = (test["species"] == train["species"].mode()[0]).mean()
    accuracy = search.score(test.drop(columns="species"), test["species"])
    assert accuracy > majority + 0.3


def test_regressor_on_a_dataframe_with_text_and_missing_cells():
    train, test = make_frame("regression", 300, 1), make_frame("regression")
    regressor = RecipeRegressor(
        epochs=30, patience=5, hyperparameters=SMALL, loss="huber", ensemble=1
    )
    scores = cross_val_score(regressor, train[FEATURES], train["y"], cv=2)
    assert scores.min() > 0.7
    regressor.fit(train[FEATURES], train["y"])
    assert regressor.n_features_in_ == 3
    assert list(regressor.feature_names_in_) == FEATURES
    params = regressor.recipe_.get_params()
    assert params["epochs"] == 30 and params["patience"] == 5
    assert params["hyperparameters"] == SMALL and params["loss"] == "huber"
    kinds = [c.kind for c in regressor.recipe_.schema_.columns]
    assert kinds == ["numeric", "numeric", "categorical"]
    predictions = regressor.predict(test[FEATURES])
    assert predictions.shape == (len(test),)
    assert regressor.score(test[FEATURES], test["y"]) > 0.7
    assert not hasattr(clone(regressor), "recipe_")


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["high", "low", "mid"]),
        np.array([2, 10, 33]),  # sorted as text, "10" < "2" < "33"
        np.array([False, True]),
    ],
    ids=["strings", "integers", "booleans"],
)
def test_classifier_labels_come_back_as_given(labels):
    task = "binary" if len(labels) == 2 else "multiclass"
    train, test = make_frame(task, 300, 1), make_frame(task)
    names = sorted(train["y"].unique())  # in the order of labels

    def data(frame):
        codes = frame["y"].map({name: i for i, name in enumerate(names)})
        x = frame[["x1", "x 2"]].to_numpy()
        red = (frame["color"] == "red").to_numpy()  # as a number
        return np.column_stack([x, red]), labels[codes.to_numpy()]

    (X, y), (X_test, y_test) = data(train), data(test)
    classifier = RecipeClassifier(
        epochs=30, hyperparameters=SMALL, ensemble=1
    ).fit(X, y)
    assert isinstance(
        classifier.recipe_,
        BinaryClassification if task == "binary" else MulticlassClassification,
    )
    assert np.array_equal(classifier.classes_, np.unique(y))
    assert not hasattr(classifier, "feature_names_in_")
    predicted, proba = (
        classifier.predict(X_test),
        classifier.predict_proba(X_test),
    )
    assert predicted.dtype == y.dtype
    assert set(predicted) <= set(labels)
    assert proba.shape == (len(X_test), len(labels))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(classifier.classes_[proba.argmax(axis=1)], predicted)
    majority = max(np.mean(y_test == label) for label in labels)
    assert classifier.score(X_test, y_test) > majority + 0.2


def test_text_and_object_arrays_hold_numbers_and_categories():
    frame = make_frame("binary", 60)
    numbers, colors = frame["x1"].to_numpy(), frame["color"].fillna("")
    X = np.column_stack([numbers.astype(str), colors.to_numpy(dtype=str)])
    assert X.dtype.kind == "U"  # "nan" is a missing number
    classifier = RecipeClassifier(**FAST).fit(X, frame["y"])
    kinds = [c.kind for c in classifier.recipe_.schema_.columns]
    assert kinds == ["numeric", "categorical"]
    assert set(classifier.predict(X.astype(object))) <= {"no", "yes"}
    X = X.astype(object)
    X[1, 1] = {"not": "a category"}
    with pytest.raises(TypeError, match="string or a number, not dict"):
        RecipeClassifier(**FAST).fit(X, frame["y"])


def test_params_round_trip_through_clone_and_set_params():
    params = {
        "epochs": 7,
        "patience": 3,
        "seed": 1,
        "validation_fraction": 0.2,
        "hyperparameters": {"units": 32},
        "ensemble": 2,
        "loss": "mae",
        "target_transform": "log1p",
    }
    regressor = RecipeRegressor(**params)
    assert regressor.get_params() == params
    copy = clone(regressor)
    assert copy is not regressor and copy.get_params() == params
    assert RecipeRegressor().set_params(**params).get_params() == params
    classifier = RecipeClassifier(epochs=3)
    assert clone(classifier).get_params() == {
        "epochs": 3,
        "patience": 10,
        "seed": 0,
        "validation_fraction": 0.15,
        "hyperparameters": None,
        "ensemble": 3,
    }


@pytest.mark.parametrize(
    "y, message",
    [
        (["a"] * 20, "one class"),
        (np.linspace(0, 1, 20), "Unknown label type"),
    ],
    ids=["single-class", "continuous"],
)
def test_classifier_refuses_unusable_targets(y, message):
    X = np.arange(40.0).reshape(20, 2)
    with pytest.raises(ValueError, match=message):
        RecipeClassifier(**FAST).fit(X, y)


def test_too_few_rows_are_refused_with_the_minimum():
    with pytest.raises(ValueError, match="at least 10 rows.*9 sample"):
        RecipeRegressor(**FAST).fit(np.ones((9, 2)), np.arange(9.0))


def test_fitted_on_a_dataframe_predicts_the_same_from_its_array():
    # Text codes "1", "2", "3" are a category; from an object array they
    # must not come back as the numbers 1.0, 2.0, 3.0 (issue 20, item 4).
    rng = np.random.default_rng(0)
    code = rng.choice(["1", "2", "3"], 200)
    X = pd.DataFrame({"x": rng.normal(size=200), "code": code})
    y = np.where(code == "2", "yes", "no")
    classifier = RecipeClassifier(**{**FAST, "epochs": 30}).fit(X, y)
    kinds = [c.kind for c in classifier.recipe_.schema_.columns]
    assert kinds == ["numeric", "categorical"]
    expected = classifier.predict_proba(X)
    with pytest.warns(UserWarning, match="feature names"):
        got = classifier.predict_proba(X.to_numpy())
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert (classifier.predict(X) == y).mean() > 0.95
