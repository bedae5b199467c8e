"""Search spaces written as plain dicts, turned into keras-tuner's.

A value is fixed; a list is a choice; a dict with `min` and `max` is a range
(`step`, `sampling="log"` optional; integers give an `Int`, else a `Float`).
A range with `when={"parent": [values]}` exists only in trials whose
`parent` (an entry before it) takes one of those values (keras-tuner's
`conditional_scope`); other trials leave it out of their values.

>>> hp = to_hyperparameters({"units": [64, 128], "lr": {"min": 1e-4,
...     "max": 1e-2, "sampling": "log"}, "layers": 2})
>>> sorted(hp.values)
['layers', 'lr', 'units']
>>> hp = to_hyperparameters({"norm": "batch", "dropout": {"min": 0.0,
...     "max": 0.5, "when": {"norm": ["none"]}}})
>>> sorted(hp.values)  # dropout inactive beside batch norm
['norm']
"""

from __future__ import annotations

import keras_tuner

Space = dict | keras_tuner.HyperParameters


def to_hyperparameters(space: Space) -> keras_tuner.HyperParameters:
    """keras-tuner `HyperParameters` from a dict (or returned as given).

    Raises:
        ValueError: a range without `min`/`max`, or an empty choice.
    """
    if isinstance(space, keras_tuner.HyperParameters):
        return space
    hp = keras_tuner.HyperParameters()
    for name, spec in space.items():
        if isinstance(spec, list | tuple):
            if not spec:
                raise ValueError(f"search space {name!r} is an empty list")
            if len(spec) == 1:
                hp.Fixed(name, spec[0])
            elif all(isinstance(v, bool) for v in spec):
                hp.Boolean(name)
            else:
                hp.Choice(name, list(spec), ordered=False)
        elif isinstance(spec, dict):
            _add_range(hp, name, spec)
        else:
            hp.Fixed(name, spec)
    return hp


def _add_range(hp: keras_tuner.HyperParameters, name: str, spec: dict) -> None:
    if "min" not in spec or "max" not in spec:
        raise ValueError(
            f"search space {name!r} must give 'min' and 'max'; received {spec}"
        )
    if "when" in spec:
        if not isinstance(spec["when"], dict) or len(spec["when"]) != 1:
            raise ValueError(
                f"search space {name!r}: 'when' must be one "
                "{parent: [values]} entry"
            )
        ((parent, values),) = spec["when"].items()
        if parent not in hp:
            raise ValueError(
                f"search space {name!r} depends on {parent!r}, which must "
                "come before it"
            )
        with hp.conditional_scope(parent, list(values)):
            _add_range(hp, name, {k: v for k, v in spec.items() if k != "when"})
        return
    low, high = spec["min"], spec["max"]
    sampling = spec.get("sampling", "linear")
    integers = all(
        isinstance(v, int) and not isinstance(v, bool)
        for v in (low, high, spec.get("step", 1))
    )
    if integers:
        hp.Int(name, low, high, step=spec.get("step"), sampling=sampling)
    else:
        hp.Float(name, low, high, step=spec.get("step"), sampling=sampling)


def narrow(default: dict, overrides: Space | None) -> Space:
    """The default space with some entries replaced (or fixed) by the user.

    A keras-tuner `HyperParameters` replaces the default space entirely.

    Raises:
        ValueError: an override names a hyperparameter the space lacks.
    """
    if overrides is None:
        return dict(default)
    if isinstance(overrides, keras_tuner.HyperParameters):
        return overrides
    unknown = sorted(set(overrides) - set(default))
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {unknown} in the search space; use: "
            f"{', '.join(default)}"
        )
    return {**default, **overrides}
