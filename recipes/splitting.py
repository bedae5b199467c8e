"""The train/validation split: shuffled, stratified for classification.

Classes with too few rows to stratify stay in training, with a warning.

>>> import numpy as np
>>> train, valid = split_indices(np.array([0, 1] * 50), 0.2, stratify=True)
>>> len(train), len(valid)
(80, 20)
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import train_test_split

from recipes.errors import DataError, DataWarning

MIN_ROWS = 10
MIN_PER_CLASS = 3  # a class with fewer rows cannot be split and stay learned


def split_indices(
    y: np.ndarray,
    fraction: float,
    stratify: bool,
    seed: int = 0,
    labels: list | None = None,
    name: str = "data",
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the training and validation parts.

    Args:
        y: the encoded target (class indices when `stratify`).
        fraction: the share of rows held out for validation.
        stratify: keep class proportions in both parts.
        seed: the shuffling seed.
        labels: class labels, to name rare classes in warnings.
        name: the table's name, for messages.

    Raises:
        DataError: too few rows for a split.
    """
    rows = np.arange(len(y))
    if len(y) < MIN_ROWS:
        raise DataError(
            f"{name} has {len(y)} usable rows; a train/validation split "
            f"needs at least {MIN_ROWS} — add rows or pass validation="
        )
    if not stratify:
        return train_test_split(rows, test_size=fraction, random_state=seed)
    classes, counts = np.unique(y, return_counts=True)
    rare = classes[counts < MIN_PER_CLASS]
    if len(rare):
        names = [labels[c] if labels else c for c in rare]
        warnings.warn(
            f"{name}: class(es) {names} have fewer than {MIN_PER_CLASS} rows; "
            "they stay in training and are not validated",
            DataWarning,
            stacklevel=3,
        )
    kept = ~np.isin(y, rare)
    if kept.sum() < 2:
        raise DataError(
            f"{name}: no class has {MIN_PER_CLASS} rows or more, so no "
            "validation split can be drawn — add rows or pass validation="
        )
    n_valid = max(int(round(fraction * kept.sum())), 1)
    if n_valid < len(classes) - len(rare):  # too few to hold every class
        train, valid = train_test_split(
            rows[kept], test_size=n_valid, random_state=seed
        )
    else:
        train, valid = _stratified(y, kept, n_valid, seed)
    return np.sort(np.concatenate([train, rows[~kept]])), np.sort(valid)


def _stratified(
    y: np.ndarray, kept: np.ndarray, n_valid: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Kept rows split so that each class has its share of `n_valid`.

    Shares are rounded down, and the rows left over go to the classes with
    the largest remainders (Hamilton's method); each class's rows are
    shuffled and its first ones held out. NumPy only: a million rows take
    milliseconds, where sklearn's splitter builds Python lists.
    """
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(kept)
    order = rows[rng.permutation(len(rows))]
    order = order[np.argsort(y[order], kind="stable")]  # by class, shuffled
    classes, counts = np.unique(y[order], return_counts=True)
    exact = counts * (n_valid / len(rows))
    share = np.floor(exact).astype(int)
    left = n_valid - share.sum()
    share[np.argsort(share - exact, kind="stable")[:left]] += 1
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    valid = np.zeros(len(order), bool)
    for start, size in zip(starts, share, strict=True):
        valid[start : start + size] = True
    return order[~valid], order[valid]
