"""recipes.streaming: a CSV read block by block trains like one read whole.

The files here are small; `BLOCK` and the sample size are shrunk so that
they still span many blocks and a real sample.
"""

import json

import numpy as np
import pandas as pd
import pytest

from recipes import BinaryClassification, Regression, load, reading, streaming
from recipes.dataset import load_dataset
from recipes.errors import DataError
from tests.conftest import make_frame


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(reading, "BLOCK", 4096)  # ~80 rows per block


@pytest.mark.parametrize(
    "recipe, metric, tolerance",
    [
        (BinaryClassification, "roc_auc", 0.03),
        (Regression, "rmse", 0.15),  # relative
    ],
)
def test_streamed_fit_matches_in_memory_quality(
    recipe, metric, tolerance, csvs, small_blocks, tmp_path
):
    task = "binary" if recipe is BinaryClassification else "regression"
    train, test = csvs[task]
    scores = {}
    for stream in (False, True):
        fitted = recipe(target="y", epochs=30, ensemble=1, seed=0)
        fitted.fit(train, stream=stream)
        scores[stream] = fitted.evaluate(test)[metric]
    if metric == "rmse":
        assert scores[True] == pytest.approx(scores[False], rel=tolerance)
    else:
        assert scores[True] == pytest.approx(scores[False], abs=tolerance)
    # the streamed recipe exports a model that takes raw columns
    served = load(fitted.export(tmp_path / "exported")).predict(test)
    np.testing.assert_allclose(
        served.iloc[:, -1], fitted.predict(test).iloc[:, -1], atol=1e-5
    )


def test_scan_samples_counts_and_holds_out_by_row(small_blocks, tmp_path):
    frame = make_frame("regression", rows=3000, seed=3)
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    data = streaming.scan(
        path, target="y", task="regression", sample_rows=500, seed=1
    )
    stream = data.stream
    assert len(list(_blocks(stream))) > 10  # many blocks
    held = len(data.valid)
    assert held / 3000 == pytest.approx(0.15, abs=0.03)
    assert stream.rows + held == 3000
    assert len(data.train) == pytest.approx(500, rel=0.2)  # the sample
    rows = pd.concat(stream.blocks())
    assert len(rows) == stream.rows
    # training rows, sample and validation come from the same file rows
    key = ["x1", "x 2", "y"]
    train_rows = set(map(tuple, rows[key].round(9).fillna(-99).to_numpy()))
    valid_rows = set(
        map(tuple, data.valid[key].round(9).fillna(-99).to_numpy())
    )
    sample = set(map(tuple, data.train[key].round(9).fillna(-99).to_numpy()))
    assert not train_rows & valid_rows
    assert sample <= train_rows
    # distributed workers: 3 shards, disjoint, together every training row
    shards = [
        set(
            map(
                tuple,
                pd.concat(stream.blocks(i, 3))[key]
                .round(9)
                .fillna(-99)
                .to_numpy(),
            )
        )
        for i in range(3)
    ]
    assert set().union(*shards) == train_rows
    assert sum(map(len, shards)) == len(train_rows)
    assert all(len(shard) > 0.3 * len(train_rows) for shard in shards)
    again = streaming.scan(
        path, target="y", task="regression", sample_rows=500, seed=1
    )
    pd.testing.assert_frame_equal(again.valid, data.valid)  # reproducible


def _blocks(stream):
    return reading.read_blocks(stream.path, stream.column_types)


def test_each_epoch_reads_the_file_again(csvs, small_blocks, monkeypatch):
    reads = []
    blocks = streaming.Stream.blocks

    def counted(self, *shard):
        reads.append(1)
        return blocks(self, *shard)

    monkeypatch.setattr(streaming.Stream, "blocks", counted)
    recipe = Regression(target="y", epochs=3, patience=10, ensemble=1)
    recipe.fit(csvs["regression"][0], stream=True)
    assert len(reads) == 3
    assert recipe.summary_["train_rows"] + recipe.summary_[
        "validation_rows"
    ] == len(pd.read_csv(csvs["regression"][0]))


def test_a_column_that_changes_type_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "HEAD_ROWS", 50)
    frame = make_frame("binary", rows=300)
    frame["x1"] = frame["x1"].astype(object)
    frame.loc[200, "x1"] = "twelve"
    path = tmp_path / "changing.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(
        DataError, match="changing.csv: .*twelve.*first 50 rows"
    ):
        streaming.scan(path, target="y", task="binary")


def test_large_files_stream_by_default(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    make_frame("binary", rows=50).to_csv(path, index=False)
    assert not streaming.should_stream(path, None)
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 100)
    assert streaming.should_stream(path, None)
    assert not streaming.should_stream(path, False)
    assert not streaming.should_stream(pd.read_csv(path), None)


def test_cli_streams_on_request(csvs, small_blocks, monkeypatch, capsys):
    from recipes.cli import main

    reads = []
    blocks = streaming.Stream.blocks
    monkeypatch.setattr(
        streaming.Stream,
        "blocks",
        lambda self, *shard: reads.append(1) or blocks(self, *shard),
    )
    train = str(csvs["binary"][0])
    arguments = ["--target", "y", "--epochs", "2", "--ensemble", "1"]
    assert main(["train", train, "--stream", *arguments]) == 0
    assert (
        json.loads(capsys.readouterr().out)["recipe"] == "BinaryClassification"
    )
    assert len(reads) == 2  # the task was inferred from the file's head


def test_streaming_drops_a_running_id_as_in_memory(small_blocks, tmp_path):
    # A sample of a running integer is not consecutive; it is still an id
    # (issue 20, item 10): both paths decide the same schema.
    frame = make_frame("regression", rows=3000, seed=3)
    frame.insert(0, "id", np.arange(3000) + 1000)
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    streamed = streaming.scan(
        path, target="y", task="regression", sample_rows=500
    )
    in_memory = load_dataset(path, target="y", task="regression")
    names = [c.name for c in in_memory.schema.columns]
    assert names == ["x1", "x 2", "color"]
    assert [c.name for c in streamed.schema.columns] == names


def test_tune_on_a_streamed_file_says_it_trained_on_the_sample(
    csvs, small_blocks, monkeypatch, tmp_path, caplog
):
    # issue 20, item 6: the tuned model saw the sample only, and says so.
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 1000)  # bytes
    recipe = BinaryClassification(target="y", epochs=2, ensemble=1)
    with caplog.at_level("WARNING", logger="recipes"):
        recipe.tune(
            csvs["binary"][0],
            strategy="random",
            max_trials=1,
            directory=tmp_path,
            search_space={"hidden_layers": 1, "units": 16},
        )
    assert 0 < recipe.summary_["sample_rows"] <= recipe.summary_["train_rows"]
    assert any("sample of" in m and "stream=True" in m for m in caplog.messages)
