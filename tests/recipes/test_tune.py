"""Recipe.tune and `keras-recipes tune`: strategies, crash resume, workers."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recipes import (
    ArgumentError,
    BinaryClassification,
    MulticlassClassification,
    load,
    network,
)
from recipes.calibration import Temperature, fit_temperature
from recipes.inference import batched
from recipes.preprocessing import to_inputs

SMALL = {
    "hidden_layers": [1],
    "units": [16, 32],
    "batch_size": [64],
    "learning_rate": [3e-3],
}


@pytest.mark.parametrize(
    "strategy", ["random", "grid", "bayesian", "hyperband"]
)
def test_each_strategy_tunes_and_exports_a_model_that_beats_the_baseline(
    strategy, csvs, tmp_path
):
    train, test = csvs["binary"]
    recipe = BinaryClassification(target="y", epochs=12).tune(
        train,
        strategy=strategy,
        max_trials=2,
        directory=tmp_path,
        search_space=SMALL,
    )
    trials = recipe.search_.trials
    assert 1 <= len(trials) <= 2
    chosen = {t.trial_id: t for t in trials}[recipe.chosen_trial_]
    assert recipe.hyperparameters_["units"] == chosen.values["units"]
    if strategy in ("grid", "hyperband"):  # no defaults trial to keep
        assert chosen.values == recipe.search_.best_values
    served = load(recipe.export(tmp_path / "export"))
    metrics, baseline = served.evaluate(test), served.evaluate_baseline(test)
    assert metrics["roc_auc"] > baseline["roc_auc"] + 0.2
    assert (tmp_path / "BinaryClassification" / "leaderboard.csv").is_file()


def test_bad_search_arguments_are_named(csvs):
    recipe = BinaryClassification(target="y")
    with pytest.raises(
        ArgumentError, match="unknown strategy 'genetic'.*random"
    ):
        recipe.tune(csvs["binary"][0], strategy="genetic")
    with pytest.raises(ArgumentError, match="max_trials must be a positive"):
        recipe.tune(csvs["binary"][0], max_trials=0)
    with pytest.raises(
        ArgumentError, match=r"unknown hyperparameter\(s\) \['depth'\]"
    ):
        recipe.tune(csvs["binary"][0], search_space={"depth": 3})


def _completed(project):
    done = set()
    for trial in project.glob("trial_*/trial.json"):
        try:
            state = json.loads(trial.read_text())
        except ValueError:  # being written
            continue
        if state["status"] == "COMPLETED":
            done.add(state["trial_id"])
    return done


def test_search_killed_with_sigkill_resumes_without_losing_or_repeating(
    csvs, tmp_path
):
    space = tmp_path / "space.json"
    space.write_text(json.dumps(SMALL))
    command = [
        sys.executable,
        "-m",
        "recipes",
        "tune",
        str(csvs["binary"][0]),
        "--target",
        "y",
        "--task",
        "binary",
        "--strategy",
        "random",
        "--max-trials",
        "4",
        "--epochs",
        "25",
        "--directory",
        str(tmp_path),
        "--search-space",
        str(space),
    ]
    project = tmp_path / "BinaryClassification"
    log = open(tmp_path / "first.log", "w")
    first = subprocess.Popen(command, stdout=log, stderr=log)
    while len(_completed(project)) < 2 and first.poll() is None:
        time.sleep(0.2)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    log.close()
    before = _completed(project)
    assert 2 <= len(before) < 4, (tmp_path / "first.log").read_text()[-2000:]
    second = subprocess.run(
        command, capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stderr[-2000:]
    board = pd.read_csv(project / "leaderboard.csv")
    assert sorted(board["trial"]) == [0, 1, 2, 3]
    report = (project / "report.html").read_text()
    assert all(f'id="{key}"' in report for key in ("leaderboard", "search"))
    assert (board["status"] == "COMPLETED").all()
    rerun = [
        line for line in second.stderr.splitlines() if "COMPLETED by" in line
    ]
    # Only the trials that had not completed ran again.
    assert len(rerun) == 4 - len(before)
    for trial_id in before:
        number = f"trial {int(trial_id) + 1}/4 "
        assert not any(line.startswith(number) for line in rerun)


def test_two_workers_report_to_one_chief(csvs, tmp_path):
    (tmp_path / "BinaryClassification").mkdir()  # an old search, replaced
    recipe = BinaryClassification(target="y", epochs=8).tune(
        pd.read_csv(csvs["binary"][0]),  # a DataFrame: written for workers
        strategy="random",
        max_trials=4,
        workers=2,
        time_budget=600,  # the budget is the chief's: workers must not die
        directory=tmp_path,
        resume=False,
        search_space=SMALL,
    )
    assert len(recipe.search_.completed) == 4
    project = tmp_path / "BinaryClassification"
    for worker in (0, 1):
        text = (project / f"worker{worker}.log").read_text()
        assert f"COMPLETED by tuner{worker}" in text, text[-2000:]
    assert recipe.evaluate(csvs["binary"][1])["roc_auc"] > 0.8


def test_first_trial_tries_the_defaults_the_space_allows(csvs, tmp_path):
    space = {**SMALL, "units": [32, 128], "learning_rate": [3e-3, 1e-2]}
    recipe = BinaryClassification(target="y", epochs=3).tune(
        csvs["binary"][0],
        strategy="random",
        max_trials=2,
        directory=tmp_path,
        search_space=space,
    )
    first = min(recipe.search_.trials, key=lambda t: t.trial_id).values
    assert first["units"] == network.DEFAULTS["units"] == 128
    assert first["dropout"] == network.DEFAULTS["dropout"]
    assert first["learning_rate"] == 3e-3  # the default is not allowed


def test_ensemble_averages_the_best_trials_and_serves_the_same(csvs, tmp_path):
    train, test = csvs["multiclass"]
    recipe = MulticlassClassification(target="y", epochs=6).tune(
        train,
        strategy="random",
        max_trials=3,
        directory=tmp_path,
        search_space=SMALL,
        refit=False,
        ensemble=2,
    )
    data = recipe.prepare(train)  # the same seed: the same preprocessing
    frame = pd.read_csv(test)
    features = batched(data.preprocessor, to_inputs(frame, data.schema, "t"))
    outputs, validated = [], []
    for member in recipe.search_.completed[:2]:
        model = recipe.build(network.hyperparameters(member.values), data)
        model.load_weights(recipe.search_.checkpoint(member.trial_id))
        outputs.append(model.predict(features, verbose=0))
        validated.append(model.predict(data.x_valid, verbose=0))
    assert not np.allclose(outputs[0], outputs[1], atol=1e-3)
    # the mean, calibrated by the temperature its validation rows give
    temperature = fit_temperature(np.mean(validated, axis=0), data.y_valid)
    assert recipe.temperature_ == pytest.approx(temperature, rel=1e-3)
    expected = np.mean(outputs, axis=0)
    expected = np.asarray(Temperature(temperature, binary=False)(expected))
    columns = [f"proba_{label}" for label in data.schema.class_names]
    got = recipe.predict(frame)[columns].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    served = load(recipe.export(tmp_path / "export"))
    np.testing.assert_allclose(
        served.predict(frame)[columns].to_numpy(), expected, atol=1e-5
    )
    reloaded = load(recipe.save(tmp_path / "saved"))
    np.testing.assert_allclose(
        reloaded.predict(frame)[columns].to_numpy(), expected, atol=1e-5
    )


def test_ensemble_members_are_distinct_configurations():
    """Hyperband continues a trial under a new id with the same values: the
    ensemble takes the next configuration instead of the same one again."""
    from recipes.search import distinct
    from tuning import TrialRecord

    def trial(trial_id, score, units):
        return TrialRecord(trial_id, "COMPLETED", score, 1, {"units": units})

    ranked = [trial("3", 0.1, 64), trial("1", 0.2, 64), trial("2", 0.3, 32)]
    assert [t.trial_id for t in distinct(ranked)] == ["3", "2"]


def test_workers_get_the_chiefs_dataframe_with_its_dtypes(tmp_path):
    # Through a CSV, text codes "01", "02" came back as the numbers 1, 2
    # (issue 20, item 18): a worker would prepare other data than its chief.
    from recipes import search

    frame = pd.DataFrame(
        {"code": ["01", "02", None] * 4, "x": np.arange(12.0), "y": [0, 1] * 6}
    )
    recipe = BinaryClassification(target="y")
    command = search._worker_command(
        recipe, frame, None, tmp_path, "P", {"strategy": "random"}
    )
    spec = json.loads(Path(command[-1]).read_text())
    got = search.worker_table(spec["train"])
    pd.testing.assert_frame_equal(got, frame)
    assert search.worker_table(spec["validation"]) is None
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_the_budget_bounds_the_refits_too(csvs, tmp_path):
    # issue 20, item 11: past the deadline, a refit (or a fold's network)
    # stops at its first epoch boundary and no further network is trained.
    train = csvs["binary"][0]
    for folds in (1, "auto"):  # refits of the best trials; cross-fitting
        settings = dict(
            strategy="random",
            max_trials=3,
            directory=tmp_path / str(folds),
            search_space=SMALL,
            ensemble=3,
        )
        recipe = BinaryClassification(target="y", epochs=4, folds=folds)
        searched = recipe.tune(train, **settings)
        assert searched.ensemble_ == (3 if folds == 1 else 5)
        again = BinaryClassification(target="y", epochs=4, folds=folds).tune(
            train,
            time_budget=1e-3,
            **settings,  # resumed: every trial is done
        )
        assert again.ensemble_ == 1
        assert len(again.history_["loss"]) == 1


def test_the_defaults_stay_unless_a_trial_beats_them_beyond_noise(
    csvs, tmp_path
):
    """A trial better than the first (the defaults) by less than the
    standard error of the defaults' per-row validation loss does not
    replace them; one better by far does."""
    import dataclasses

    from recipes.search import _defaults_unless_beaten

    train = csvs["binary"][0]
    recipe = BinaryClassification(target="y", epochs=3, ensemble=1)
    recipe.tune(
        train,
        strategy="random",
        max_trials=2,
        directory=tmp_path,
        search_space={**SMALL, "units": [128, 16]},
        refit=False,
    )
    result = recipe.search_
    first, other = sorted(result.completed, key=lambda t: int(t.trial_id))
    assert first.values["units"] == 128  # the defaults
    data = recipe.prepare(train)
    for margin, kept in [(1e-4, True), (1.0, False)]:
        better = dataclasses.replace(other, score=first.score - margin)
        members = _defaults_unless_beaten(recipe, data, result, [better, first])
        assert (members[0] is first) == kept


def test_a_small_table_cross_fits_the_chosen_configuration(csvs, tmp_path):
    """Under 5,000 rows, as `fit` does: one network per fold of the chosen
    trial's configuration, not a refit of the trials on all rows."""
    recipe = BinaryClassification(target="y", epochs=3).tune(
        csvs["binary"][0],
        strategy="random",
        max_trials=2,
        directory=tmp_path,
        search_space=SMALL,
    )
    assert recipe.ensemble_ == 5
    assert recipe.validation_["rows"] == "out-of-fold rows of the 5 folds"
    chosen = {t.trial_id: t for t in recipe.search_.trials}[
        recipe.chosen_trial_
    ]
    assert recipe.hyperparameters_["units"] == chosen.values["units"]
