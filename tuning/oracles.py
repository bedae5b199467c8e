"""keras-tuner's oracles with a first trial of our choosing and a time budget.

Each strategy's oracle is subclassed (`ORACLES`); the overridden
`create_trial` takes keras-tuner's own lock (`keras_tuner.synchronized`), and
since only the chief serves the oracle, workers (whose `tuner.oracle` is
keras-tuner's gRPC client) never run this code.

- `first_values`: the first trial of a search tries these values where the
  space allows (e.g. the model's defaults), so that the search is never
  worse than them on validation.
- `deadline` (a `time.time()` value): no trial starts unless it and `reserve`
  more of the mean trial so far still fit before it.

>>> oracle = ORACLES["random"](objective="val_loss", max_trials=4,
...                            first_values={"units": 64})
"""

from __future__ import annotations

import logging
import time

import keras_tuner
from keras_tuner.engine import trial as trial_module

log = logging.getLogger("tuning")


class _Steered:
    """Mixin for an oracle: the first trial, and the time budget."""

    def __init__(
        self,
        *args,
        first_values: dict | None = None,
        deadline: float | None = None,
        reserve: float = 0.0,
        workers: int = 1,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.first_values = first_values
        self.deadline = deadline
        self.reserve = reserve
        self.workers = workers
        self.started = time.time()
        self.started_trials = 0  # by this process's search, not resumed ones

    @keras_tuner.synchronized
    def create_trial(self, tuner_id):
        if tuner_id not in self.ongoing_trials and self._over_budget():
            self.tuner_ids.discard(tuner_id)
            log.info("time budget reached: no new trial")
            return trial_module.Trial(
                self.get_space(), status=trial_module.TrialStatus.STOPPED
            )
        trial = super().create_trial(tuner_id)
        if trial.status == trial_module.TrialStatus.RUNNING:
            self.started_trials += 1
        return trial

    def _over_budget(self) -> bool:
        """Whether a new trial and the reserve would overrun the deadline.

        The first trial always starts; the estimate is the mean time per
        trial started so far, counting each worker's share of the clock.
        """
        if self.deadline is None or not self.started_trials:
            return False
        now = time.time()
        mean = (now - self.started) * self.workers / self.started_trials
        return now + mean * (1 + self.reserve) > self.deadline

    def populate_space(self, trial_id):
        if self.first_values is None or self.trials:
            return super().populate_space(trial_id)
        chosen = {
            p.name: self.first_values[p.name]
            if allows(p, self.first_values.get(p.name))
            else p.default
            for p in self.get_space().space
        }
        return {"status": trial_module.TrialStatus.RUNNING, "values": chosen}


class RandomSearchOracle(_Steered, keras_tuner.oracles.RandomSearchOracle):
    """keras-tuner's random search, steered (see the module)."""


class BayesianOptimizationOracle(
    _Steered, keras_tuner.oracles.BayesianOptimizationOracle
):
    """keras-tuner's Bayesian optimization, steered (see the module)."""


class GridSearchOracle(_Steered, keras_tuner.oracles.GridSearchOracle):
    """keras-tuner's grid search, under the time budget (the grid's own
    order is kept: no first trial)."""


class HyperbandOracle(_Steered, keras_tuner.oracles.HyperbandOracle):
    """keras-tuner's Hyperband, under the time budget and `max_trials`
    (its brackets decide the configurations: no first trial)."""

    def __init__(self, *args, max_trials: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_trials = max_trials


ORACLES = {
    "random": RandomSearchOracle,
    "grid": GridSearchOracle,
    "bayesian": BayesianOptimizationOracle,
    "hyperband": HyperbandOracle,
}
FIRST_TRIAL = ("random", "bayesian")  # strategies that take `first_values`


def allows(parameter, value) -> bool:
    """True when `value` is one the hyperparameter can take."""
    kind = type(parameter).__name__
    if value is None:
        return False
    if kind == "Choice":
        return value in parameter.values
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "Fixed":
        return value == parameter.value
    return parameter.min_value <= value <= parameter.max_value
