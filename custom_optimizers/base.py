"""The part the six optimizers share: Keras's arguments, slots and config."""

from typing import Any

import keras

from custom_optimizers._common import LearningRate

# A subclass's docstring line `{{common_args}}` becomes COMMON_ARGS_DOC: the
# `Args:` entries of Keras's common arguments, the same for every optimizer.
COMMON_ARGS_PLACEHOLDER = "{{common_args}}"
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


def fill_common_args(doc: str) -> str:
    """Replaces the `{{common_args}}` line of `doc` by `COMMON_ARGS_DOC`.

    Args:
        doc: A docstring with the placeholder alone on a line.

    Returns:
        The docstring, the common arguments indented as the placeholder.
    """
    lines = []
    for line in doc.splitlines():
        if line.strip() == COMMON_ARGS_PLACEHOLDER:
            indent = line[: len(line) - len(line.lstrip())]
            lines += [indent + entry for entry in COMMON_ARGS_DOC.split("\n")]
        else:
            lines.append(line)
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
    - The line `{{common_args}}` in a subclass's docstring becomes the
      `Args:` entries of the common arguments (as Keras does with
      `{{base_optimizer_keyword_args}}`).

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
        if cls.__doc__ and COMMON_ARGS_PLACEHOLDER in cls.__doc__:
            cls.__doc__ = fill_common_args(cls.__doc__)

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
