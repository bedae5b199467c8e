"""tuning.search on a tiny Keras model: strategies, failures, budget, resume."""

import csv
import logging

import keras
import keras_tuner
import numpy as np
import pytest

import tuning
from tuning import callbacks as callbacks_module
from tuning import tuners

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 4)).astype("float32")
Y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * RNG.normal(size=200)).astype(
    "float32"
)


class Model:
    """build/fit functions that count their calls."""

    def __init__(self, epochs=4):
        self.builds = 0
        self.epochs = epochs
        self.trained = []  # epochs trained, per fit

    def build(self, values):
        self.builds += 1
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(values["units"]),
                keras.layers.Dense(1),
            ]
        )
        model.compile(keras.optimizers.SGD(values["lr"]), "mse")
        return model

    def fit(self, model, values, callbacks, epochs=None, initial_epoch=0):
        history = model.fit(
            X[:160],
            Y[:160],
            validation_data=(X[160:], Y[160:]),
            epochs=epochs or self.epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            verbose=0,
        )
        self.trained.append(len(history.history["loss"]))
        return history


SPACE = {"units": [4, 8], "lr": {"min": 1e-3, "max": 5e-2, "sampling": "log"}}


@pytest.mark.parametrize("strategy", sorted(tuning.STRATEGIES))
def test_each_strategy_searches_and_ranks(strategy, tmp_path):
    model = Model()
    result = tuning.search(
        model.build,
        model.fit,
        SPACE,
        strategy=strategy,
        max_trials=3,
        directory=tmp_path,
        project_name=strategy,
        max_epochs=4,
    )
    scores = [t.score for t in result.completed]
    assert 1 <= len(result.trials) <= 3
    assert (
        scores == sorted(scores)
        and result.best_values == result.trials[0].values
    )
    assert set(result.best_values) == {"units", "lr"}
    assert 1 <= result.best_epoch <= 4
    with open(tmp_path / strategy / "leaderboard.csv") as file:
        rows = list(csv.DictReader(file))
    assert [r["trial"] for r in rows] == [t.trial_id for t in result.trials]
    assert float(rows[0]["val_loss"]) == pytest.approx(scores[0])
    assert sorted(int(r["epochs"]) for r in rows) == sorted(model.trained)
    assert all(float(r["seconds"]) > 0 for r in rows)
    curves = result.history(result.trials[0].trial_id)
    assert min(curves["val_loss"]) == pytest.approx(scores[0], rel=1e-5)
    assert len(curves["loss"]) == result.trials[0].epochs
    for name in ("scores.png", "learning_curves.png"):
        assert (tmp_path / strategy / name).read_bytes()[:8] == PNG
    assert tuning.load_result(tmp_path / strategy) == result


PNG = b"\x89PNG\r\n\x1a\n"


def test_progress_lines_and_final_table_on_the_log(tmp_path, caplog):
    model = Model(epochs=2)
    with caplog.at_level(logging.INFO, logger="tuning"):
        result = tuning.search(
            model.build,
            model.fit,
            SPACE,
            strategy="random",
            max_trials=2,
            directory=tmp_path,
            time_budget=3600,
            tensorboard=True,
        )
    progress = [m for m in caplog.messages if m.startswith("trial ")]
    assert [line.split()[1] for line in progress] == ["1/2", "2/2"]
    events = [r for r in caplog.records if getattr(r, "event", "") == "trial"]
    assert [(r.done, r.total) for r in events] == [(0, 2), (1, 2), (2, 2)]
    assert events[-1].best_val_loss == result.completed[0].score
    assert events[-1].budget_seconds == 3600
    assert caplog.records[-1].event == "search_done"
    best = f"best {result.completed[0].score:.4f}"
    assert best in progress[-1] and "s elapsed of 3600 s" in progress[-1]
    table = caplog.messages[-1].splitlines()
    assert table[0] == "leaderboard (best first):"
    assert f"{result.completed[0].score:>9.4f}" in table[2]
    logs = tmp_path / "search" / "tensorboard"
    trials = {p.relative_to(logs).parts[0] for p in logs.rglob("*tfevents*")}
    assert trials == {t.trial_id for t in result.trials}


def test_grid_covers_every_combination(tmp_path):
    model = Model(epochs=1)
    result = tuning.search(
        model.build,
        model.fit,
        {"units": [4, 8], "lr": [0.01, 0.02]},
        strategy="grid",
        max_trials=10,
        directory=tmp_path,
    )
    seen = {(t.values["units"], t.values["lr"]) for t in result.trials}
    assert seen == {(4, 0.01), (4, 0.02), (8, 0.01), (8, 0.02)}


def test_diverging_trial_fails_and_the_search_goes_on(tmp_path):
    model = Model()
    result = tuning.search(
        model.build,
        model.fit,
        {"units": [4], "lr": [1e12, 1e-2]},
        strategy="grid",
        max_trials=2,
        directory=tmp_path,
    )
    status = {t.values["lr"]: t.status for t in result.trials}
    assert status == {1e12: "FAILED", 1e-2: "COMPLETED"}
    assert result.best_values["lr"] == 1e-2
    assert tuning.load_result(tmp_path / "search") == result


def test_load_result_names_a_directory_without_a_search(tmp_path):
    with pytest.raises(
        tuning.SearchError, match=f"no search found in {tmp_path}"
    ):
        tuning.load_result(tmp_path)


def test_time_budget_stops_at_an_epoch_boundary_and_starts_no_new_trial(
    tmp_path,
):
    model = Model(epochs=50)
    result = tuning.search(
        model.build,
        model.fit,
        SPACE,
        strategy="random",
        max_trials=5,
        directory=tmp_path,
        time_budget=1e-3,
    )
    assert model.builds == 1 + 1  # keras-tuner builds once to read the space
    assert len(result.trials) == 1
    assert model.trained == [1] and result.best_epoch == 1


@pytest.mark.parametrize("reserve, trials", [(0, 10), (3, 7)])
def test_budget_keeps_time_for_the_refit(
    monkeypatch, tmp_path, reserve, trials
):
    """Trials of 10 s and a 100 s budget: a trial starts at t only while
    t + 10 s * (1 + reserve) fits, so reserve=3 stops starting at t > 60.

    Against keras-tuner's real oracle, through its locked create_trial."""
    from tuning import oracles

    clock = [0.0]
    monkeypatch.setattr(oracles.time, "time", lambda: clock[0])
    config = tuning.SearchConfig(
        strategy="random",
        max_trials=50,
        directory=tmp_path,
        time_budget=100.0,
        started=0.0,
        reserve=reserve,
    )
    hp = tuning.to_hyperparameters(SPACE)
    model = Model()
    hypermodel = tuners.FunctionHyperModel(model.build, model.fit, None)
    oracle = tuners.make_tuner(hypermodel, hp, config).oracle
    started = 0
    while (trial := oracle.create_trial("tuner0")).status == "RUNNING":
        started += 1
        clock[0] += 10.0
        oracle.update_trial(trial.trial_id, {"val_loss": 1.0})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    assert started == trials
    assert trial.status == "STOPPED"


def test_first_trial_tries_the_given_values_then_the_strategy(tmp_path):
    config = tuning.SearchConfig(
        strategy="bayesian",
        max_trials=3,
        directory=tmp_path,
        first_values={"units": 8, "lr": 0.02, "other": 1},
    )
    hp = tuning.to_hyperparameters(SPACE)
    model = Model()
    hypermodel = tuners.FunctionHyperModel(model.build, model.fit, None)
    oracle = tuners.make_tuner(hypermodel, hp, config).oracle
    trial = oracle.create_trial("tuner0")
    assert trial.hyperparameters.values == {"units": 8, "lr": 0.02}
    oracle.update_trial(trial.trial_id, {"val_loss": 1.0})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)
    assert oracle.create_trial("tuner0").status == "RUNNING"


def test_deadline_callback_uses_the_wall_clock(monkeypatch):
    clock = iter([10.0, 20.0, 30.0])
    monkeypatch.setattr(callbacks_module.time, "time", lambda: next(clock))
    deadline = tuning.Deadline(25.0)
    deadline.set_model(
        keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    )
    deadline.model.stop_training = False
    deadline.on_epoch_end(0)
    deadline.on_epoch_end(1)
    assert not deadline.model.stop_training
    deadline.on_epoch_end(2)
    assert deadline.model.stop_training and deadline.stopped


def test_resume_keeps_completed_trials_and_runs_only_the_rest(tmp_path):
    first = Model(epochs=2)
    done = tuning.search(
        first.build,
        first.fit,
        SPACE,
        strategy="random",
        max_trials=2,
        directory=tmp_path,
    )
    second = Model(epochs=2)
    more = tuning.search(
        second.build,
        second.fit,
        SPACE,
        strategy="random",
        max_trials=4,
        directory=tmp_path,
    )
    assert second.builds == 2  # two new trials; a reloaded space needs no probe
    assert {t.trial_id for t in done.trials} < {t.trial_id for t in more.trials}
    assert len(more.trials) == 4
    fresh = Model(epochs=2)
    tuning.search(
        fresh.build,
        fresh.fit,
        SPACE,
        strategy="random",
        max_trials=1,
        directory=tmp_path,
        resume=False,
    )
    assert fresh.builds == 1 + 1


def test_space_kinds_and_unknown_names():
    hp = tuning.to_hyperparameters(
        {
            "n": {"min": 1, "max": 3},
            "rate": {"min": 0.0, "max": 0.5, "step": 0.1},
            "flag": [False, True],
            "kind": ["a", "b"],
            "fixed": 7,
        }
    )
    kinds = {p.name: type(p).__name__ for p in hp.space}
    assert kinds == {
        "n": "Int",
        "rate": "Float",
        "flag": "Boolean",
        "kind": "Choice",
        "fixed": "Fixed",
    }
    assert tuning.narrow({"a": [1, 2]}, {"a": 1}) == {"a": 1}
    with pytest.raises(
        ValueError, match=r"unknown hyperparameter\(s\) \['b'\]"
    ):
        tuning.narrow({"a": [1, 2]}, {"b": 1})
    given = keras_tuner.HyperParameters()
    assert tuning.narrow({"a": [1]}, given) is given
    with pytest.raises(ValueError, match="must give 'min' and 'max'"):
        tuning.to_hyperparameters({"x": {"min": 1}})


def test_bad_arguments_are_named(tmp_path):
    model = Model()
    with pytest.raises(ValueError, match="unknown strategy 'evolution'"):
        tuning.search(model.build, model.fit, SPACE, strategy="evolution")
    with pytest.raises(ValueError, match="max_trials must be a positive"):
        tuning.search(model.build, model.fit, SPACE, max_trials=0)
    with pytest.raises(ValueError, match="time_budget must be positive"):
        tuning.search(model.build, model.fit, SPACE, time_budget=-1)


def test_all_trials_failing_is_a_search_error(tmp_path):
    model = Model()
    with pytest.raises(tuning.SearchError, match="no trial .* completed"):
        tuning.search(
            model.build,
            model.fit,
            {"units": [4], "lr": [1e12]},
            strategy="grid",
            max_trials=1,
            directory=tmp_path,
        )


def test_released_gradients_keeps_the_registry_from_growing():
    """Many fits inside `released_gradients` leave the registry as it was,
    whether or not this TensorFlow leaks an entry per traced step."""

    def fit_one():
        model = Model(epochs=1)
        model.fit(model.build({"units": 4, "lr": 0.01}), {}, [])

    before = tuning.registered_gradients()
    with tuning.released_gradients():
        for _ in range(5):
            fit_one()
    assert tuning.registered_gradients() == before


def test_trials_are_plotted_in_the_order_they_ran():
    ids = ["10", "9", "100", "0", "2"]
    assert sorted(ids, key=tuning.result.trial_number) == [
        "0",
        "2",
        "9",
        "10",
        "100",
    ]


def test_resuming_another_search_is_refused_naming_what_differs(tmp_path):
    model = Model(epochs=1)
    settings = dict(max_trials=1, directory=tmp_path, project_name="p")
    tuning.search(model.build, model.fit, SPACE, strategy="random", **settings)
    builds = model.builds
    other_space = {**SPACE, "units": [4, 16]}
    with pytest.raises(tuning.DirectoryInUse, match=r"p holds .*another space"):
        tuning.search(
            model.build, model.fit, other_space, strategy="random", **settings
        )
    with pytest.raises(
        tuning.DirectoryInUse, match="another data, strategy;.*resume=False"
    ):
        tuning.search(
            model.build,
            model.fit,
            SPACE,
            strategy="bayesian",
            fingerprint={"data": "other"},
            **settings,
        )
    assert model.builds == builds  # neither touched the search
    board = (tmp_path / "p" / "leaderboard.csv").read_text()
    again = tuning.search(
        model.build, model.fit, SPACE, strategy="random", **settings
    )
    assert len(again.trials) == 1
    assert (tmp_path / "p" / "leaderboard.csv").read_text() == board
    fresh = tuning.search(
        model.build,
        model.fit,
        other_space,
        strategy="grid",
        resume=False,
        **settings,
    )
    assert fresh.trials[0].values["units"] in (4, 16)


def test_a_conditional_range_exists_only_beside_its_parents_values():
    from tuning.space import to_hyperparameters

    rate = {"min": 0.0, "max": 0.5, "when": {"norm": ["none", "layer"]}}
    space = to_hyperparameters({"norm": ["none", "batch", "layer"], "p": rate})
    for norm, active in [("none", True), ("batch", False), ("layer", True)]:
        space.values["norm"] = norm
        assert space.is_active("p") == active
    with pytest.raises(ValueError, match="'p' depends on 'norm', which must"):
        to_hyperparameters({"p": rate, "norm": ["none", "batch"]})
    two = {**rate, "when": {"norm": ["none"], "other": [1]}}
    with pytest.raises(ValueError, match="'when' must be one"):
        to_hyperparameters({"norm": ["none"], "p": two})
