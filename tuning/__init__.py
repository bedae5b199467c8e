"""keras-tuner search for any Keras model-building function.

Knows keras-tuner, callbacks, time budgets, resume and distributed workers;
knows nothing of recipes, CSV files or tasks.

Example (not run; `tuning.tuners` runs one, with `build` and `fit`):

    from tuning import search
    result = search(build, fit, {"units": [32, 64]}, strategy="random",
                    max_trials=4, directory="runs", project_name="demo")

Names are imported on first use, so that `tuning.files` (and the command
line's checks before training) does not pay for starting TensorFlow.
"""

import importlib

_HOMES = {
    "Deadline": "tuning.callbacks",
    "DirectoryInUse": "tuning.fingerprint",
    "is_worker": "tuning.distributed",
    "STRATEGIES": "tuning.tuners",
    "SearchConfig": "tuning.tuners",
    "check_arguments": "tuning.tuners",
    "search": "tuning.tuners",
    "SearchError": "tuning.result",
    "SearchResult": "tuning.result",
    "TrialRecord": "tuning.result",
    "format_leaderboard": "tuning.result",
    "load_result": "tuning.result",
    "trial_number": "tuning.result",
    "write_leaderboard": "tuning.result",
    "narrow": "tuning.space",
    "to_hyperparameters": "tuning.space",
    "registered_gradients": "tuning.tracing",
    "released_gradients": "tuning.tracing",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'tuning' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return __all__
