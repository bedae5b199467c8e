"""Training's contracts: seeds, batch sizes and schedules (issue 20)."""

import math
import random

import numpy as np
import pytest

from recipes import ArgumentError, Regression, network, training
from tests.conftest import make_frame

SMALL = {"hidden_layers": 1, "units": 16}


def _network(model):
    """The compiled network inside a recipe's served model."""
    return next(
        layer
        for layer in model.layers
        if getattr(layer, "optimizer", None) is not None
    )


def test_fit_leaves_the_global_random_generators_alone():
    # A bootstrap loop around fit must not draw the same sample each time.
    frame = make_frame("regression", 200)
    random.seed(7)
    np.random.seed(7)
    expected = random.random(), np.random.random()
    random.seed(7)
    np.random.seed(7)
    Regression(target="y", epochs=1, ensemble=1, hyperparameters=SMALL).fit(
        frame
    )
    assert (random.random(), np.random.random()) == expected


def test_the_schedule_spans_the_epochs_fit_was_given():
    frame = make_frame("regression", 300)
    hp = {**SMALL, "lr_decay": "cosine"}
    recipe = Regression(target="y", epochs=200, ensemble=1, hyperparameters=hp)
    recipe.fit(frame, epochs=2)
    config = _network(recipe.model_).optimizer.get_config()["learning_rate"]
    rows = recipe.summary_["train_rows"]
    batch = training.batch_size(recipe.hyperparameters_, rows)
    assert config["config"]["decay_steps"] == math.ceil(rows / batch) * 2


def test_refit_steps_with_the_batch_size_of_the_trials():
    # 476 training rows give batches of 32; the 560 rows of the refit
    # would give 64: an epoch must mean the steps the trials took.
    recipe = Regression(target="y", ensemble=1)
    data = recipe.prepare(make_frame("regression", 560))
    hp = network.hyperparameters({**SMALL, "batch_size": 64})
    rows = len(data.x_train) + len(data.x_valid)
    trial_batch = training.batch_size(hp, data.rows)
    assert trial_batch != training.batch_size(hp, rows)
    model = training.build(hp, data, seed=0, epochs=1, loss="mse")
    history = training.refit(model, hp, data, epochs=1, seed=0)
    assert history.params["steps"] == math.ceil(rows / trial_batch)


def test_cross_fitted_members_each_saw_the_rows_of_the_other_folds():
    """folds=3: three networks, network i early-stopped on fold i and
    trained on the two others; the folds cover every row once."""
    seen = []

    class Recording(Regression):
        def train(self, model, hp, data, epochs, **kwargs):
            seen.append((data.x_train.copy(), data.x_valid.copy()))
            return super().train(model, hp, data, epochs, **kwargs)

    frame = make_frame("regression", 150)
    recipe = Recording(target="y", epochs=2, folds=3, hyperparameters=SMALL)
    recipe.fit(frame)
    assert recipe.ensemble_ == 3 and len(seen) == 3
    assert recipe.summary_["train_rows"] == 150  # no row held out for good
    rows = [{tuple(row) for row in x} for pair in seen for x in pair]
    every = set().union(*rows)
    assert len(every) == 150
    held_out = rows[1::2]
    assert sum(len(h) for h in held_out) == 150  # each row held out once
    for trained, held in zip(rows[0::2], held_out, strict=True):
        assert trained.isdisjoint(held) and trained | held == every


def test_folds_auto_cross_fits_small_tables_only():
    from recipes.preparation import CROSS_FIT_BELOW, FOLDS

    small = Regression(target="y", ensemble=2).prepare(
        make_frame("regression", 300), folds="auto"
    )
    assert small.folds == FOLDS and len(small.x_valid) == 0
    assert len(small.x_train) == 300
    large = Regression(target="y").prepare(
        make_frame("regression", CROSS_FIT_BELOW), folds="auto"
    )
    assert large.folds == 1 and len(large.x_valid) > 0


@pytest.mark.parametrize(
    "rule", [{"stop_train_loss": 10.0}, {"stop_weight_change": 1e9}]
)
def test_the_course_stopping_rules_end_a_fit(rule):
    """A loss below 10 and a step below 1e9: both hold after one epoch."""
    from recipes import BinaryClassification

    recipe = BinaryClassification(
        target="y", epochs=30, ensemble=1, folds=1, **rule
    ).fit(make_frame("binary", 120))
    assert len(recipe.history_["loss"]) == 1


def test_a_stopping_rule_out_of_range_is_named():
    from recipes import BinaryClassification

    recipe = BinaryClassification(target="y", stop_weight_change=0)
    with pytest.raises(ArgumentError, match="stop_weight_change must be"):
        recipe.fit(make_frame("binary", 60))


def test_a_voting_ensemble_serves_its_networks_vote(tmp_path):
    """combine="vote": the served class is the networks' majority, in
    predict and in the SavedModel; no temperature is fitted."""
    from recipes import MulticlassClassification, load
    from tests.conftest import make_frame as frame_of

    train, test = (
        frame_of("multiclass", 240, seed=1),
        frame_of("multiclass", 80),
    )
    recipe = MulticlassClassification(
        target="y", epochs=5, ensemble=3, folds=1, combine="vote"
    ).fit(train)
    assert recipe.temperature_ is None
    (layer,) = [
        lay
        for lay in recipe.model_.get_layer("ensemble").layers
        if hasattr(lay, "combine")
    ]
    assert layer.combine == "vote"
    columns = [f"proba_{name}" for name in recipe.schema_.class_names]
    shares = recipe.predict(test)[columns].to_numpy()
    # each row: (votes + mean probability) / 4, the votes whole numbers
    votes = np.floor(shares * 4 + 1e-6)
    assert np.allclose(votes.sum(axis=1), 3)
    served = load(recipe.export(tmp_path / "voted")).predict(test)
    np.testing.assert_allclose(served[columns].to_numpy(), shares, atol=1e-5)
    with pytest.raises(ArgumentError, match="combine='vote' applies to"):
        Regression(target="y", combine="vote").fit(frame_of("regression", 60))
