"""keras-tuner search for any Keras model-building function.

Knows keras-tuner, callbacks, time budgets, resume and distributed workers;
knows nothing of recipes, CSV files or tasks.

>>> from tuning import search
>>> result = search(build, fit, {"units": [32, 64]}, strategy="random",
...                 max_trials=4, directory="runs", project_name="demo")
"""

from tuning.callbacks import Deadline
from tuning.distributed import is_worker
from tuning.search import (
    STRATEGIES,
    SearchError,
    SearchResult,
    TrialRecord,
    check_arguments,
    format_leaderboard,
    load_result,
    search,
    write_leaderboard,
)
from tuning.space import narrow, to_hyperparameters
from tuning.tracing import released_gradients

__all__ = [
    "Deadline",
    "STRATEGIES",
    "SearchError",
    "SearchResult",
    "TrialRecord",
    "check_arguments",
    "format_leaderboard",
    "is_worker",
    "load_result",
    "narrow",
    "released_gradients",
    "search",
    "to_hyperparameters",
    "write_leaderboard",
]
