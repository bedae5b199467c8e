"""The part the six optimizers share: Keras's arguments, slots and config."""

import inspect
from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate

# Docstring lines a subclass writes once and this module fills in, as Keras
# does with `{{base_optimizer_keyword_args}}`: `{{learning_rate}}` (its
# default read from the subclass's signature) and `{{common_args}}`.
LEARNING_RATE_DOC = """\
learning_rate: A float, a
    `keras.optimizers.schedules.LearningRateSchedule` (for instance
    `custom_optimizers.StepDecay`), or a callable with no arguments
    returning the rate. Defaults to `{default}`."""
COMMON_ARGS_DOC = """\
weight_decay: Float or `None`. If set, each step first shrinks every
    weight: `w = w - learning_rate * weight_decay * w`.
clipnorm: Float or `None`. If set, each weight's gradient is rescaled
    so that its L2 norm is at most `clipnorm`.
clipvalue: Float or `None`. If set, each gradient component is
    clipped to `[-clipvalue, clipvalue]`.
global_clipnorm: Float or `None`. If set, all gradients are rescaled
    together so that their joint L2 norm is at most `global_clipnorm`.
name: Optional name of the optimizer.
*args, **kwargs: The five arguments above (by position after the
    optimizer's own, or by keyword) and the other arguments of
    `keras.optimizers.Optimizer` (`use_ema`, `loss_scale_factor`,
    `gradient_accumulation_steps`, ...), passed on to it."""


def fill_docstring(doc: str, learning_rate: object) -> str:
    """Replaces the placeholder lines of `doc` by the argument entries.

    Args:
        doc: A docstring with `{{learning_rate}}` and `{{common_args}}`
            lines, each alone on its line.
        learning_rate: The default learning rate, quoted in its entry.

    Returns:
        The docstring, each entry indented as its placeholder.

    >>> print(fill_docstring("    {{learning_rate}}", 0.5).splitlines()[-1])
            returning the rate. Defaults to `0.5`.
    """
    entries = {
        "{{learning_rate}}": LEARNING_RATE_DOC.format(default=learning_rate),
        "{{common_args}}": COMMON_ARGS_DOC,
    }
    lines = []
    for line in doc.splitlines():
        entry = entries.get(line.strip())
        if entry is None:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines += [indent + part for part in entry.split("\n")]
    return "\n".join(lines)


class BaseOptimizer(keras.optimizers.Optimizer):
    """Base class of the course's optimizers: what they all share.

    A subclass states its own arguments and update rule; this class
    supplies the rest:

    - `__init__` forwards Keras's common arguments (a learning-rate
      schedule, `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`,
      `name`, and the other keywords of `keras.optimizers.Optimizer`).
    - `build` creates the slots named in the class attribute `_slots`
      (`{attribute: slot name}`), one per model variable each, zeros
      unless `_slot_initializer` says otherwise. With several slots they
      are created in one call, interleaved per variable, so that the
      variables of saved optimizers keep their order.
    - `get_config` adds the attributes named in `_hyperparameters` to the
      config of `keras.optimizers.Optimizer`, so that
      `from_config(get_config())` gives the same optimizer.
    - The lines `{{learning_rate}}` and `{{common_args}}` of a subclass's
      docstring become the `Args:` entries of those arguments.

    `update_step(gradient, variable, learning_rate)` is the subclass's:
    it casts to `variable.dtype` and writes only with `self.assign`,
    `self.assign_add` or `self.assign_sub`.

    Args:
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule`, or a callable
            with no arguments returning the rate.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs:
            Keras's common arguments, passed on to
            `keras.optimizers.Optimizer` (see `COMMON_ARGS_DOC`).
    """

    # Per-variable state: {attribute holding the list: slot name}.
    _slots: dict[str, str] = {}
    # The constructor arguments `get_config` adds, stored as attributes.
    _hyperparameters: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__doc__:
            signature = inspect.signature(cls.__init__).parameters
            default = signature["learning_rate"].default
            cls.__doc__ = fill_docstring(cls.__doc__, default)

    def __init__(
        self,
        learning_rate: LearningRate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            **kwargs,
        )

    def _slot_initializer(
        self, slot: str
    ) -> str | keras.initializers.Initializer:
        """The initial value of the slot named `slot`; zeros by default."""
        return "zeros"

    def build(self, var_list: list[keras.Variable]) -> None:
        """Creates the slots of `_slots`, one per variable each.

        Args:
            var_list: The model variables this optimizer will update.
        """
        if self.built:
            return
        super().build(var_list)
        if not self._slots:
            return
        names = list(self._slots.values())
        created = self.add_optimizer_variables(
            var_list,
            names,
            initializer=[self._slot_initializer(name) for name in names],
        )
        for attribute, variables in zip(self._slots, created, strict=True):
            setattr(self, attribute, variables)

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments, for serialization."""
        return {
            **super().get_config(),
            **{name: getattr(self, name) for name in self._hyperparameters},
        }

    def _descend(
        self,
        variable: keras.Variable,
        gradient: Any,
        learning_rate: Any,
        accumulator: keras.Variable,
    ) -> None:
        """The adaptive step `w = w - lr * g / sqrt(G + epsilon)`.

        AdaGrad's and RMSProp's, which differ only in how `G` accumulates.
        """
        self.assign_sub(
            variable,
            ops.divide(
                ops.multiply(learning_rate, gradient),
                ops.sqrt(ops.add(accumulator, self.epsilon)),
            ),
        )
