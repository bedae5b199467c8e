"""The course's activation functions, each a Keras layer.

`ACTIVATIONS` maps the course's names to the classes; `get_activation` turns
a name, a config dict, a callable or a layer into a layer, which is how
`Dense(activation=...)` and `ResidualBlock(activation=...)` read theirs.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from custom_layers.activations.arctan import ArcTan
from custom_layers.activations.elu import ELU
from custom_layers.activations.identity import Identity
from custom_layers.activations.isru import ISRU
from custom_layers.activations.leaky_relu import LeakyReLU
from custom_layers.activations.prelu import PReLU
from custom_layers.activations.relu import ReLU
from custom_layers.activations.rrelu import RReLU
from custom_layers.activations.sigmoid import Sigmoid
from custom_layers.activations.softsign import Softsign
from custom_layers.activations.step import Step
from custom_layers.activations.tanh import Tanh

#: The course's activations by name, in the order of its table.
ACTIVATIONS: dict[str, type[keras.layers.Layer]] = {
    "identity": Identity,
    "step": Step,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "arctan": ArcTan,
    "softsign": Softsign,
    "isru": ISRU,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "rrelu": RReLU,
    "elu": ELU,
}

_ALIASES = {"linear": "identity", "heaviside": "step", "atan": "arctan"}

ActivationSpec = str | dict | Callable | keras.layers.Layer | None


def optional_activation(
    name_or_layer: ActivationSpec,
    dtype: str | keras.DTypePolicy | None = None,
) -> keras.layers.Layer | None:
    """`get_activation(name_or_layer, dtype)`, but None stays None.

    For layers whose activation is optional (None: no activation layer at
    all, not an `Identity`).

    >>> optional_activation(None) is None
    True
    """
    if name_or_layer is None:
        return None
    return get_activation(name_or_layer, dtype=dtype)


def get_activation(
    name_or_layer: ActivationSpec,
    dtype: str | keras.DTypePolicy | None = None,
) -> keras.layers.Layer:
    """Returns an activation layer for a name, config, callable or layer.

    Resolution order: a `keras.layers.Layer` is returned as is; None gives
    `Identity()`; a name of `ACTIVATIONS` (or an alias: "linear",
    "heaviside", "atan"), case-insensitive, gives a fresh instance of the
    course's layer with its defaults; any other name Keras knows (e.g.
    "gelu", "swish", "softmax") gives `keras.layers.Activation(name)`; a
    dict is deserialized as a Keras object; a callable is wrapped in
    `keras.layers.Activation`.

    Example:

    >>> from custom_layers import get_activation
    >>> type(get_activation("leaky_relu")).__name__
    'LeakyReLU'
    >>> get_activation("leaky_relu").alpha
    0.01

    Args:
        name_or_layer: the activation to resolve.
        dtype: dtype policy for a layer built from a name, None, a callable
            or a dict (a layer passed in keeps its own).

    Returns:
        A `keras.layers.Layer` applying the activation.

    Raises:
        ValueError: if a name is neither a course activation nor a Keras one.
    """
    if isinstance(name_or_layer, keras.layers.Layer):
        return name_or_layer
    if name_or_layer is None:
        return Identity(dtype=dtype)
    if isinstance(name_or_layer, str):
        key = name_or_layer.lower()
        key = _ALIASES.get(key, key)
        if key in ACTIVATIONS:
            return ACTIVATIONS[key](dtype=dtype)
        try:
            keras.activations.get(name_or_layer)
        except ValueError:
            raise ValueError(
                f"Unknown activation {name_or_layer!r}; pass one of "
                f"{', '.join(ACTIVATIONS)} or a Keras activation name. "
                f"Received: activation={name_or_layer!r}"
            ) from None
        return keras.layers.Activation(name_or_layer, dtype=dtype)
    if isinstance(name_or_layer, dict):
        layer = keras.saving.deserialize_keras_object(name_or_layer)
        return get_activation(layer)
    if callable(name_or_layer):
        return keras.layers.Activation(name_or_layer, dtype=dtype)
    raise ValueError(
        "Expected an activation name, config dict, callable or layer. "
        f"Received: activation={name_or_layer!r}"
    )


def serialize_activation(
    spec: ActivationSpec, layer: keras.layers.Layer | None
) -> str | dict | None:
    """Returns what a layer's `get_config` stores for its activation.

    A name or None is kept as given (readable configs); anything else is
    stored as the serialized layer.

    Args:
        spec: the `activation` argument the layer received.
        layer: the activation layer it resolved to (None if none).

    Returns:
        The name, None, or a serialized Keras object.
    """
    if spec is None or isinstance(spec, str):
        return spec
    return keras.saving.serialize_keras_object(layer)


__all__ = [
    "ACTIVATIONS",
    "ArcTan",
    "ELU",
    "ISRU",
    "Identity",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ReLU",
    "Sigmoid",
    "Softsign",
    "Step",
    "Tanh",
    "get_activation",
    "optional_activation",
    "serialize_activation",
]
