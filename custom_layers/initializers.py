"""Weight initializations by name: the usual ones and the course's.

| name                              | distribution                         |
| --------------------------------- | ------------------------------------ |
| `glorot_normal`, `xavier_normal`  | N(0, 2 / (n_in + n_out))             |
| `glorot_uniform`, `xavier_uniform`| U(-r, r), r = sqrt(6 / (n_in + n_out)) |
| `he_normal`                       | N(0, 2 / n_in)                       |
| `he_uniform`                      | U(-r, r), r = sqrt(6 / n_in)         |
| `lecun_normal`, `scaled_normal`   | N(0, 1 / n_in)  (randn / sqrt(n_in)) |
| `lecun_uniform`                   | U(-r, r), r = sqrt(3 / n_in)         |
| `small_normal`                    | N(0, 0.01^2)    (randn * 0.01)       |
| `course_xavier_normal`            | randn * 0.001 * sqrt(2 / (n_in + n_out)) |
| `course_he_normal`                | randn * 0.001 * sqrt(2 / n_in)       |
| `course_scaled_normal`            | randn * 0.001 / sqrt(n_in)           |

The course notes write each normal initialization with a factor 0.001
(N(0, 1) * 0.001 * sqrt(2 / n) for He's): those are the `course_*` names.
The names without the prefix are the papers' formulas (Glorot and Bengio,
2010; He et al., 2015; LeCun et al., 1998) and the defaults. The normal
variants here are *untruncated*, as those formulas are written. Keras's own
`glorot_normal`, `he_normal` and `lecun_normal` draw from a normal truncated
at two standard deviations (rescaled to the same variance); pass a
`keras.initializers.Initializer` instance to get those instead.
`RandomSign` (+-1 with equal probability) starts BatchEnsemble fast weights.
"""

from __future__ import annotations

import random

import keras
from keras import ops

from custom_layers._common import Shape, Tensor

# name -> (VarianceScaling scale, mode, distribution)
_VARIANCE_SCALING = {
    "glorot_normal": (1.0, "fan_avg", "untruncated_normal"),
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "he_normal": (2.0, "fan_in", "untruncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "untruncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    # the course's: the same normals times 0.001 (variance times 1e-6)
    "course_xavier_normal": (1e-6, "fan_avg", "untruncated_normal"),
    "course_he_normal": (2e-6, "fan_in", "untruncated_normal"),
    "course_scaled_normal": (1e-6, "fan_in", "untruncated_normal"),
}
_ALIASES = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "scaled_normal": "lecun_normal",
}
#: Standard deviation of the `small_normal` initialization.
SMALL_NORMAL_STDDEV = 0.01

#: Every initializer name this module resolves itself.
INITIALIZERS = tuple(_VARIANCE_SCALING) + tuple(_ALIASES) + ("small_normal",)


@keras.saving.register_keras_serializable(package="custom_layers")
class RandomSign(keras.initializers.Initializer):
    """Draws -1 or +1 with equal probability.

    Example:

    >>> import numpy as np
    >>> from custom_layers.initializers import RandomSign
    >>> sorted(set(np.asarray(RandomSign(seed=0)((100,))).tolist()))
    [-1.0, 1.0]

    Args:
        seed: int seed, or None for one drawn from Python's `random` (which
            `keras.utils.set_random_seed` seeds). As for Keras's random
            initializers, one instance returns the same values every call.
    """

    def __init__(self, seed: int | None = None):
        self.seed = seed
        self._seed = random.randint(1, 10**9) if seed is None else int(seed)

    def __call__(self, shape: Shape, dtype: str | None = None) -> Tensor:
        """Returns a tensor of `shape` filled with random +-1."""
        dtype = dtype or keras.config.floatx()
        uniform = keras.random.uniform(shape, seed=self._seed)
        return ops.cast(ops.where(uniform < 0.5, -1.0, 1.0), dtype)

    def get_config(self) -> dict:
        """Returns `{"seed": seed}` as given."""
        return {"seed": self.seed}


def get_initializer(
    identifier: str | dict | keras.initializers.Initializer | None,
    seed: int | None = None,
) -> keras.initializers.Initializer:
    """Returns the initializer for a name of the table, or defers to Keras.

    Example:

    >>> from custom_layers.initializers import get_initializer
    >>> init = get_initializer("xavier_uniform")
    >>> type(init).__name__, init.mode, init.distribution
    ('VarianceScaling', 'fan_avg', 'uniform')

    Args:
        identifier: a name from the table above (case-insensitive), any
            identifier `keras.initializers.get` accepts, or an initializer.
        seed: int seed for the names of the table, or None.

    Returns:
        A `keras.initializers.Initializer`.

    Raises:
        ValueError: if the name is unknown to this module and to Keras.
    """
    if isinstance(identifier, str):
        key = identifier.lower()
        key = _ALIASES.get(key, key)
        if key in _VARIANCE_SCALING:
            scale, mode, distribution = _VARIANCE_SCALING[key]
            return keras.initializers.VarianceScaling(
                scale=scale, mode=mode, distribution=distribution, seed=seed
            )
        if key == "small_normal":
            return keras.initializers.RandomNormal(
                mean=0.0, stddev=SMALL_NORMAL_STDDEV, seed=seed
            )
        if key == "random_sign":
            return RandomSign(seed=seed)
        try:
            return keras.initializers.get(identifier)
        except ValueError:
            raise ValueError(
                f"Unknown initializer {identifier!r}; pass one of "
                f"{', '.join(INITIALIZERS)} or a Keras initializer. "
                f"Received: kernel_initializer={identifier!r}"
            ) from None
    return keras.initializers.get(identifier)


def serialize_initializer(
    spec: str | dict | keras.initializers.Initializer | None,
    initializer: keras.initializers.Initializer,
) -> str | dict:
    """Returns what a layer's `get_config` stores for an initializer.

    Args:
        spec: the argument the layer received.
        initializer: what it resolved to.

    Returns:
        The name as given, or the serialized initializer.
    """
    if isinstance(spec, str):
        return spec
    return keras.initializers.serialize(initializer)
