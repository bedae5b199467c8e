"""scikit-learn estimators over the recipes: arrays or DataFrames in.

>>> import pandas as pd
>>> from sklearn.model_selection import cross_val_score
>>> from recipes.sklearn import RecipeClassifier
>>> frame = pd.read_csv("data/penguins/train.csv")
>>> X, y = frame.drop(columns="species"), frame["species"]
>>> estimator = RecipeClassifier(epochs=5, ensemble=1)  # one network
>>> scores = cross_val_score(estimator, X, y, cv=2)
>>> bool(scores.mean() > 0.9)
True

Both work in `Pipeline`, `GridSearchCV`, `cross_val_score` and `clone`.
Text, object and category columns are categorical features, numeric columns
numeric ones, also in object arrays (a `ColumnTransformer`'s output); missing
values are fine, the recipe imputes them. Fitting needs at least 10 rows (the
recipe holds out a validation split for early stopping). The fitted recipe is
`recipe_`: `recipe_.export(path)` writes its SavedModel.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from recipes.recipe import (
    BinaryClassification,
    MulticlassClassification,
    Recipe,
    Regression,
)
from recipes.schema import serving_name
from recipes.splitting import MIN_ROWS


class _RecipeEstimator(BaseEstimator):
    """What both estimators share: input checks and the recipe's table."""

    def __init__(
        self,
        epochs: int = 200,
        patience: int = 10,
        seed: int = 0,
        validation_fraction: float = 0.15,
        hyperparameters: dict | None = None,
        ensemble: int = 3,
    ):
        self.epochs = epochs
        self.patience = patience
        self.seed = seed
        self.validation_fraction = validation_fraction
        self.hyperparameters = hyperparameters
        self.ensemble = ensemble

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the recipes impute
        return tags

    def _recipe_params(self) -> dict:
        return {
            "seed": _integer(self.seed),
            "epochs": _integer(self.epochs),
            "patience": _integer(self.patience),
            "validation_fraction": self.validation_fraction,
            "hyperparameters": self.hyperparameters,
            "ensemble": _integer(self.ensemble),
        }

    def _check(self, X, y=None, fitting: bool = False):
        """Checks X (and y) as sklearn does; returns the recipe's table."""
        options = {
            "dtype": None,  # object and text columns are categorical features
            "ensure_all_finite": "allow-nan",
        }
        if fitting:
            X_checked, y = validate_data(
                self,
                X,
                y,
                y_numeric=isinstance(self, RegressorMixin),
                **options,
            )
        else:
            X_checked = validate_data(self, X, reset=False, **options)
        if fitting and len(X_checked) < MIN_ROWS:
            raise ValueError(
                f"{type(self).__name__} needs at least {MIN_ROWS} rows, to "
                "hold out a validation split for early stopping; X has "
                f"{len(X_checked)} sample(s)"
            )
        names = self._column_names()
        if isinstance(X, pd.DataFrame):  # keeps each column's dtype
            table = X.set_axis(names, axis=1).reset_index(drop=True)
        else:
            table = _array_table(X_checked, names, self._categorical(fitting))
        return table, y

    def _categorical(self, fitting: bool) -> set[str]:
        """The columns the fitted recipe reads as text, categories or dates
        (none while fitting: then the values decide)."""
        if fitting or not hasattr(self, "recipe_"):
            return set()
        columns = self.recipe_.schema_.columns
        return {c.name for c in columns if c.kind != "numeric"}

    def _column_names(self) -> list[str]:
        """The fitted DataFrame's names if usable, else x0, x1, ..."""
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            names = [str(name) for name in names]
            if len({serving_name(name) for name in names}) == len(names):
                return names
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _fit_recipe(
        self, recipe_class: type[Recipe], table: pd.DataFrame, y, **kwargs
    ) -> Recipe:
        """A recipe fitted to the table, y in a column of a name of its own."""
        target = "target"
        while target in table.columns:
            target = f"_{target}"
        recipe = recipe_class(
            target=target,
            features=list(table.columns),
            **self._recipe_params(),
            **kwargs,
        )
        return recipe.fit(table.assign(**{target: y}))

    def _predicted(self, X) -> pd.DataFrame:
        check_is_fitted(self, "recipe_")
        table, _ = self._check(X)
        return self.recipe_.predict(table)


class RecipeRegressor(RegressorMixin, _RecipeEstimator):
    """A `Regression` recipe as a scikit-learn regressor.

    Args:
        epochs: the most training epochs (early stopping ends sooner).
        patience: epochs without a better validation loss before stopping.
        seed: seeds the validation split, the weights and the shuffling.
        validation_fraction: the share of rows held out for early stopping.
        hyperparameters: network settings (see `recipes.network.DEFAULTS`).
        loss: "mse", "mae" or "huber".
        target_transform: "auto", "none" or "log1p" (see `Regression`).
    """

    def __init__(
        self,
        epochs: int = 200,
        patience: int = 10,
        seed: int = 0,
        validation_fraction: float = 0.15,
        hyperparameters: dict | None = None,
        ensemble: int = 3,
        loss: str = "mse",
        target_transform: str = "auto",
    ):
        super().__init__(
            epochs,
            patience,
            seed,
            validation_fraction,
            hyperparameters,
            ensemble,
        )
        self.loss = loss
        self.target_transform = target_transform

    def fit(self, X, y):
        """Trains a `Regression` recipe on X (arrays or a DataFrame), y."""
        table, y = self._check(X, y, fitting=True)
        self.recipe_ = self._fit_recipe(
            Regression,
            table,
            y,
            loss=self.loss,
            target_transform=self.target_transform,
        )
        return self

    def predict(self, X) -> np.ndarray:
        """The predicted values, one per row of X."""
        predicted = self._predicted(X)["prediction"]
        return predicted.to_numpy(dtype=np.float64)


class RecipeClassifier(ClassifierMixin, _RecipeEstimator):
    """A classification recipe as a scikit-learn classifier.

    Two classes train a `BinaryClassification` recipe, more classes a
    `MulticlassClassification` one. Labels come back as given in y.

    Args:
        epochs: the most training epochs (early stopping ends sooner).
        patience: epochs without a better validation loss before stopping.
        seed: seeds the validation split, the weights and the shuffling.
        validation_fraction: the share of rows held out for early stopping.
        hyperparameters: network settings (see `recipes.network.DEFAULTS`).
    """

    def fit(self, X, y):
        """Trains a classification recipe on X (arrays or a DataFrame), y."""
        table, y = self._check(X, y, fitting=True)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes; y has one "
                f"class, {classes[0]!r}"
            )
        recipe_class = (
            BinaryClassification
            if len(classes) == 2
            else MulticlassClassification
        )
        self.recipe_ = self._fit_recipe(recipe_class, table, y)
        self.classes_ = classes
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per label of `classes_`."""
        predicted = self._predicted(X)
        schema = self.recipe_.schema_
        column = {
            label: f"proba_{name}"
            for label, name in zip(
                schema.classes, schema.class_names, strict=True
            )
        }
        columns = [column[_python(label)] for label in self.classes_]
        proba = predicted[columns].to_numpy(dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """The most probable label of each row, as in y."""
        proba = self.predict_proba(X)  # checks that self is fitted first
        return self.classes_[proba.argmax(axis=1)]


def _array_table(
    X: np.ndarray, names: list[str], categorical: set[str]
) -> pd.DataFrame:
    """A checked array as a table; object and text columns column by column.

    The `categorical` columns are text whatever their cells: the codes "1",
    "2" of a category fitted from a DataFrame must not come back as 1.0.
    """
    if X.dtype.kind in "biuf" and not categorical:
        return pd.DataFrame(X, columns=names)
    return pd.DataFrame(
        {
            name: _text(X[:, i]) if name in categorical else _column(X[:, i])
            for i, name in enumerate(names)
        }
    )


def _text(values: np.ndarray) -> np.ndarray:
    """A categorical column's cells as text: 2.0 as "2", missing as None."""

    def spelled(value):
        if isinstance(value, numbers.Number) and float(value).is_integer():
            return str(int(value))
        return str(value)

    values = values.astype(object)
    missing = pd.isna(values)
    return np.array(
        [
            None if gone else spelled(v)
            for v, gone in zip(values, missing, strict=True)
        ],
        dtype=object,
    )


def _column(values: np.ndarray) -> np.ndarray:
    """Floats if every present cell converts to one, else categories.

    Raises:
        TypeError: a cell is neither a number, a string nor missing.
    """
    values = values.astype(object)  # text arrays, too
    missing = pd.isna(values)
    try:
        return np.where(missing, np.nan, values).astype(np.float64)
    except ValueError:  # text: a categorical column, missing cells kept
        for value in values[~missing]:
            if not isinstance(value, str | numbers.Number):
                raise TypeError(
                    "a feature cell must be a string or a number, not "
                    f"{type(value).__name__}"
                ) from None
        return np.where(missing, None, values).astype(object)


def _integer(value):
    """NumPy integers as int, which the recipes check for; others as given."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value


def _python(label):
    """A label as the recipes store it: a Python value, not a NumPy one."""
    return label.item() if isinstance(label, np.generic) else label
